#!/usr/bin/env node
// `npx touchpoint …`: runs the built CLI (dist/, made by `npm run build` and `npm start`),
// or, in a development checkout that has not been built yet, the TypeScript source via tsx.
import { existsSync } from 'node:fs';

const built = new URL('../dist/relay/cli.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../relay/cli.ts', import.meta.url).href);
}
