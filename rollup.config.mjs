// Builds the widget into dist/widget/ (served by the relay under /widget/):
//   touchpoint.js         the loader: a classic script with a stable name (short cache)
//   elements-<hash>.js    the elements, ES module imported by the loader (long cache)
//   esm/index.js          the elements for bundlers (`import 'touchpoint/widget'`), lit external
//   custom-elements.json  the Custom Elements Manifest of the elements
// and the console into dist/console/ (served by the relay under /console/):
//   index.html            the page (no-cache), naming the files below
//   console-<hash>.js     the shell (lit included), then one chunk per page, loaded on demand
//   console-<hash>.css    the document's colours (light and dark) and layout basics
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { create, ts } from '@custom-elements-manifest/analyzer';
import { litPlugin } from '@custom-elements-manifest/analyzer/src/features/framework-plugins/lit/lit.js';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const out = join(root, 'dist/widget');
const consoleOut = join(root, 'dist/console');

/** Only widget/ (or console/) is compiled here, with browser settings; `npm run typecheck` checks types. */
const ts_ = (include = ['widget/**/*.ts'], exclude = []) =>
  typescript({
    tsconfig: false,
    include,
    exclude,
    compilerOptions: {
      target: 'ES2021',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      strict: true,
      // Lit's reactive properties are accessors on the prototype; define semantics would shadow them.
      useDefineForClassFields: false,
      verbatimModuleSyntax: true,
      skipLibCheck: true,
      noEmitOnError: false,
      types: [],
    },
  });

/**
 * Collapses the whitespace of css`` and html`` templates' static text, which terser keeps
 * verbatim: about a fifth of the elements' gzip size. Spans found with TypeScript's parser,
 * so `${…}` expressions and nested templates are never touched.
 */
const templates = () => ({
  name: 'minify-templates',
  transform(code, id) {
    if (!id.includes('/widget/') || !/\b(css|html)\s*`/.test(code)) return null;
    // Runs on TypeScript's output: @rollup/plugin-typescript compiles from disk, not from earlier transforms.
    const file = ts.createSourceFile(id, code, ts.ScriptTarget.ES2021, true);
    const edits = [];
    const visit = (node) => {
      if (ts.isTaggedTemplateExpression(node) && /^(css|html)$/.test(node.tag.getText(file))) {
        const isCss = node.tag.getText(file) === 'css';
        const t = node.template;
        const parts = ts.isNoSubstitutionTemplateLiteral(t)
          ? [t]
          : [t.head, ...t.templateSpans.map((s) => s.literal)];
        for (const p of parts) {
          const start = p.getStart(file) + 1;
          const end =
            p.getEnd() - (ts.isTemplateTail(p) || ts.isNoSubstitutionTemplateLiteral(p) ? 1 : 2);
          let text = code.slice(start, end).replace(/\s+/g, ' ');
          // A template's own first and last spaces are never needed in CSS.
          if (isCss && p === parts[0]) text = text.trimStart();
          if (isCss && p === parts.at(-1)) text = text.trimEnd();
          if (isCss)
            text = text
              .replace(/\/\*[\s\S]*?\*\//g, '')
              .replace(/\s*([{};,>])\s*/g, '$1')
              .replace(/:\s+/g, ':')
              .replace(/;}/g, '}')
              .replace(/([\s:(,])0\.(\d)/g, '$1.$2');
          else text = text.replace(/>\s+</g, '><').replace(/^\s+</, '<').replace(/>\s+$/, '>');
          edits.push([start, end, text]);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
    let out = code;
    for (const [start, end, text] of edits.sort((a, b) => b[0] - a[0]))
      out = out.slice(0, start) + text + out.slice(end);
    return { code: out, map: null };
  },
});

/**
 * Private members of the widget's own classes, shortened in the loader's chunk (about
 * 300 bytes gzip of a 16 KB budget). An allowlist, not a pattern: a name here must never
 * also be a DOM, Lit or wire-format property used in the chunk (`status`, `url`, `bots`,
 * `texts`, `fields`, `statusText`…), nor a reactive property (Lit maps those to
 * attributes). Names that are also DOM properties somewhere (`config`, `request`) are
 * shortened too (`builtins`): the allowlist is what keeps them ours. The browser suites
 * cover them all.
 */
const PRIVATE = `
  plain edited submitted shownAt missingReported plainId lead definition fieldState setError
  statusLine renderForm showServerErrors onInput onFocusOut onPlainSubmit onSubmit optin nameOf onClick
  storageKey launchButton onClose themeVars inflight submissionId signature flush settle seq
  fired timer onScroll onMouseOut fire configFailed triggered retryAfterMs retryable idFor
  failure phase fail config pending last request validate offered
`
  .trim()
  .split(/\s+/);

const minify = (module, mangleProperties = false) =>
  terser({
    ecma: 2020,
    module,
    compress: { passes: 2 },
    mangle: mangleProperties
      ? { properties: { regex: new RegExp(`^(${PRIVATE.join('|')})$`), builtins: true } }
      : true,
    format: { comments: false },
  });

/** The elements chunk's hashed name, handed from the first build to the loader's. */
let elementsFile = '';

export default [
  {
    input: { elements: 'widget/boot.ts' },
    plugins: [
      {
        name: 'clean',
        buildStart: () => rmSync(out, { recursive: true, force: true }),
      },
      // 'production' explicitly: node-resolve picks Lit's dev build whenever NODE_ENV is set
      // to anything else (vitest sets it to 'test').
      nodeResolve({ browser: true, exportConditions: ['production'] }),
      ts_(),
      templates(),
      minify(true, true),
      {
        name: 'remember-entry',
        generateBundle(_, bundle) {
          elementsFile = Object.values(bundle).find(
            (f) => f.type === 'chunk' && f.isEntry,
          ).fileName;
        },
      },
    ],
    output: {
      dir: out,
      format: 'es',
      entryFileNames: '[name]-[hash].js',
      chunkFileNames: '[name]-[hash].js',
    },
  },
  {
    input: 'widget/loader.ts',
    plugins: [
      ts_(),
      {
        name: 'elements-file',
        transform(code, id) {
          if (!id.endsWith('loader.ts')) return null;
          if (!elementsFile) this.error('the elements build must run first');
          return {
            code: code.replace(/__ELEMENTS__/g, JSON.stringify(`./${elementsFile}`)),
            map: null,
          };
        },
      },
      minify(false),
    ],
    output: { file: join(out, 'touchpoint.js'), format: 'iife' },
  },
  {
    input: 'widget/index.ts',
    external: (id) => id === 'lit' || id.startsWith('lit/') || id.startsWith('@lit/'),
    plugins: [ts_(), templates(), manifest()],
    output: { dir: join(out, 'esm'), format: 'es', entryFileNames: 'index.js' },
  },
  {
    input: { console: 'console/main.ts' },
    plugins: [
      {
        name: 'clean',
        buildStart: () => rmSync(consoleOut, { recursive: true, force: true }),
      },
      nodeResolve({ browser: true, exportConditions: ['production'] }),
      ts_(['console/**/*.ts'], ['console/api/generate.ts']),
      widgetChunk(),
      minify(true),
      consolePage(),
    ],
    output: {
      dir: consoleOut,
      format: 'es',
      entryFileNames: '[name]-[hash].js',
      chunkFileNames: '[name]-[hash].js',
      assetFileNames: '[name]-[hash][extname]',
    },
  },
];

/**
 * The forms page previews a form with the real <tp-lead-form>, imported from the relay's
 * /widget/ at run time: it needs the elements chunk's hashed name from the widget's build.
 */
function widgetChunk() {
  return {
    name: 'widget-chunk',
    transform(code, id) {
      if (!code.includes('__WIDGET_ELEMENTS__')) return null;
      if (!elementsFile) this.error('the widget build must run first');
      return {
        code: code.replace(/__WIDGET_ELEMENTS__/g, JSON.stringify(`/widget/${elementsFile}`)),
        map: null,
      };
    },
  };
}

/**
 * The console's page: console/index.html with the hashed names of its entry, the chunks
 * the entry imports (preloaded, so they download in parallel), its stylesheet and icon.
 */
function consolePage() {
  const dir = join(root, 'console');
  return {
    name: 'console-page',
    generateBundle(_, bundle) {
      const asset = (name) =>
        this.getFileName(
          this.emitFile({ type: 'asset', name, source: readFileSync(join(dir, name)) }),
        );
      const css = asset('console.css');
      const icon = asset('favicon.svg');
      const entry = Object.values(bundle).find((f) => f.type === 'chunk' && f.isEntry);
      const preload = entry.imports
        .map((f) => `<link rel="modulepreload" href="/console/${f}">`)
        .join('');
      const page = readFileSync(join(dir, 'index.html'), 'utf8').replace(
        /\{\{(\w+)\}\}/g,
        (_, name) =>
          ({ css, icon, preload, entry: entry.fileName })[name] ??
          this.error(`console/index.html: no value for {{${name}}}`),
      );
      this.emitFile({ type: 'asset', fileName: 'index.html', source: page });
    },
  };
}

/** Writes custom-elements.json from the elements' JSDoc (@summary, @slot, @event, @csspart…). */
function manifest() {
  return {
    name: 'custom-elements-manifest',
    writeBundle() {
      const files = walk(join(root, 'widget')).filter((f) =>
        /\/((lead-form|subscribe|launcher)\/[^/]+|core\/element)\.ts$/.test(f),
      );
      const modules = files.map((f) =>
        ts.createSourceFile(
          relative(root, f),
          readFileSync(f, 'utf8'),
          ts.ScriptTarget.ES2021,
          true,
        ),
      );
      const doc = create({ modules, plugins: [...litPlugin()], context: { dev: false } });
      // Private reactive state (`state: true`) is not an attribute a page can set.
      for (const mod of doc.modules)
        for (const d of mod.declarations ?? []) {
          const hidden = new Set(
            (d.members ?? []).filter((m) => m.privacy === 'private').map((m) => m.name),
          );
          if (d.attributes) d.attributes = d.attributes.filter((a) => !hidden.has(a.fieldName));
        }
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'custom-elements.json'), `${JSON.stringify(doc, null, 2)}\n`);
    },
  };
}

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}
