import Ajv2020Module from '@redocly/ajv/dist/2020.js';
import { createConfig, lintFromString } from '@redocly/openapi-core';

type Json = Record<string, any>;

/**
 * The document checked by Redocly's linter (the validator behind `redocly lint`, from
 * @redocly/openapi-core): its `recommended-strict` rules, each problem an error. Two rules
 * are off, each because the contract decides otherwise: paths end with `/` (DESIGN.md), and
 * the plain form post's success is a 303 redirect (a browser follows it; there is no 2xx).
 */
export async function lintDocument(doc: Json) {
  const config = await createConfig({
    extends: ['recommended-strict'],
    rules: { 'no-path-trailing-slash': 'off', 'operation-2xx-response': 'off' },
  } as any);
  const problems = await lintFromString({
    source: JSON.stringify(doc),
    absoluteRef: '/openapi.json',
    config,
  });
  return problems.map((p) => `${p.ruleId}: ${p.message} (${p.location?.[0]?.pointer ?? ''})`);
}

/** The response headers the document must declare wherever the relay sends them. */
export const TRACKED_HEADERS = [
  'retry-after',
  'etag',
  'cache-control',
  'location',
  'content-disposition',
  'idempotent-replayed',
  'www-authenticate',
  'allow',
];

const escape = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Checks real answers against the document: the operation exists (or the answer is a 404 /
 * 405 for a path or method it does not have), the status is documented, the content type is
 * one the status documents, the JSON body matches the status's schema (JSON Schema 2020-12,
 * as OpenAPI 3.1 defines it), and every tracked header the relay sent is declared. Records
 * which operations and statuses were seen.
 */
export function createConformance(doc: Json) {
  const Ajv2020 = ((Ajv2020Module as any).default ?? Ajv2020Module) as typeof Ajv2020Module.default;
  const ajv = new Ajv2020({
    strict: false,
    validateSchema: false,
    validateFormats: false,
    allErrors: true,
    logger: false,
  });
  ajv.addSchema(doc, 'openapi.json');
  const templates = Object.keys(doc.paths).map((template) => ({
    template,
    params: (template.match(/\{/g) ?? []).length,
    re: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }));
  const seen = new Map<string, Set<number>>();
  const problems: string[] = [];

  const templateOf = (path: string) =>
    templates.filter((t) => t.re.test(path)).sort((a, b) => a.params - b.params)[0]?.template;

  return {
    problems,
    seen,
    templateOf,
    check(
      method: string,
      url: string,
      answer: { status: number; headers: Headers; body: unknown; text?: string },
    ) {
      const path = new URL(url, 'http://x').pathname;
      const m = method.toLowerCase();
      const template = templateOf(
        path.endsWith('/') || !path.startsWith('/api/') ? path : `${path}/`,
      );
      const where = `${method.toUpperCase()} ${path} → ${answer.status}`;
      let op = template ? doc.paths[template][m] : undefined;
      if (!op) {
        // Another method on a documented path: a 405, as every operation of the path says.
        const sibling = template && Object.values<any>(doc.paths[template])[0];
        if (answer.status !== 405 || !sibling) {
          if (answer.status !== 404) problems.push(`${where}: no such operation`);
          return;
        }
        if (!answer.headers.has('allow')) problems.push(`${where}: no Allow header`);
        op = sibling;
      }
      const opMethod = Object.keys(doc.paths[template!]).find(
        (k) => doc.paths[template!][k] === op,
      )!;
      const key = `${m.toUpperCase()} ${template}`;
      if (!seen.has(key)) seen.set(key, new Set());
      seen.get(key)!.add(answer.status);
      const response = op.responses[String(answer.status)] ?? op.responses.default;
      if (!response) {
        problems.push(`${where}: status not documented for ${key}`);
        return;
      }
      for (const name of TRACKED_HEADERS)
        if (answer.headers.has(name)) {
          const declared = Object.keys(response.headers ?? {}).some(
            (h) => h.toLowerCase() === name,
          );
          if (!declared) problems.push(`${where}: header ${name} not declared`);
        }
      const type = (answer.headers.get('content-type') ?? '').split(';')[0].trim();
      const content = response.content ?? {};
      // A redirect or 304 has no body; its content type (if any) describes nothing.
      if (answer.text === '' && !Object.keys(content).length) return;
      if (!type) {
        if (Object.keys(content).length && answer.status !== 304)
          problems.push(`${where}: no content type, documented ${Object.keys(content)}`);
        return;
      }
      if (!(type in content)) {
        problems.push(`${where}: content type ${type} not documented (${Object.keys(content)})`);
        return;
      }
      if (type === 'application/json') {
        const pointer = `openapi.json#/paths/${escape(template!)}/${opMethod}/responses/${
          op.responses[String(answer.status)] ? answer.status : 'default'
        }/content/${escape(type)}/schema`;
        const validate = ajv.getSchema(pointer) ?? ajv.compile({ $ref: pointer });
        if (!validate(answer.body))
          problems.push(
            `${where}: body does not match: ${ajv.errorsText(validate.errors)} ${JSON.stringify(answer.body).slice(0, 300)}`,
          );
      }
    },
  };
}
