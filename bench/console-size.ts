import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The console's first-load budget: JavaScript, gzip level 9 as the relay serves it (1 KB = 1024 bytes). */
export const CONSOLE_BUDGET = 60 * 1024;

export type Chunk = { name: string; raw: number; gzip: number };

export type ConsoleSize = {
  /** The entry and every chunk it imports statically: what any first load runs. */
  shell: Chunk[];
  /**
   * First load signed out (the sign-in page), signed in (Getting started), and signed in
   * in Russian (its catalogue is a chunk of its own; English is in the shell), gzip bytes.
   */
  firstLoad: { signedOut: number; signedIn: number; signedInRussian: number };
  /** Each lazily loaded chunk (pages, the Russian catalogue) with what it adds to the shell. */
  lazy: { name: string; adds: number }[];
};

/**
 * Sizes of dist/console as browsers download it: the page names the entry; chunks import
 * each other statically (`from"./x.js"`, fetched before running) or on demand
 * (`import("./x.js")`, a page opened later).
 */
export function measureConsole(dir = join(process.cwd(), 'dist', 'console')): ConsoleSize {
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const entry = /<script type="module" src="\/console\/([\w.-]+\.js)"/.exec(html)![1];
  const chunks = new Map<string, { size: Chunk; statics: string[]; dynamics: string[] }>();
  const read = (name: string) => {
    let chunk = chunks.get(name);
    if (chunk) return chunk;
    const body = readFileSync(join(dir, name));
    const code = body.toString('utf8');
    const statics: string[] = [];
    const dynamics: string[] = [];
    for (const m of code.matchAll(/(import\(\s*)?["']\.\/([\w.-]+\.js)["']/g))
      (m[1] ? dynamics : statics).push(m[2]);
    chunk = {
      size: { name, raw: body.length, gzip: gzipSync(body, { level: 9 }).length },
      statics,
      dynamics,
    };
    chunks.set(name, chunk);
    return chunk;
  };
  /** `name` and its static imports, transitively. */
  const closure = (name: string, into = new Set<string>()) => {
    if (into.has(name)) return into;
    into.add(name);
    for (const dep of read(name).statics) closure(dep, into);
    return into;
  };
  const gzip = (names: Iterable<string>) => [...names].reduce((n, f) => n + read(f).size.gzip, 0);

  const shell = closure(entry);
  const lazyNames = new Set<string>();
  const visit = (name: string, seen = new Set<string>()) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const dep of read(name).statics) visit(dep, seen);
    for (const dep of read(name).dynamics) {
      lazyNames.add(dep);
      visit(dep, seen);
    }
  };
  visit(entry);
  const adds = (name: string) => gzip([...closure(name)].filter((f) => !shell.has(f)));
  const lazy = [...lazyNames].sort().map((name) => ({ name, adds: adds(name) }));
  const byPrefix = (prefix: string) => lazy.find((l) => l.name.startsWith(`${prefix}-`))!.adds;
  return {
    shell: [...shell].map((f) => read(f).size),
    firstLoad: {
      signedOut: gzip(shell) + byPrefix('sign-in'),
      signedIn: gzip(shell) + byPrefix('start'),
      signedInRussian: gzip(shell) + byPrefix('start') + byPrefix('ru'),
    },
    lazy,
  };
}
