#!/usr/bin/env node
import { ConfigError } from './config.js';
import { run, UsageError } from './commands.js';
import { CopyError } from './db/copy.js';
import { SecretKeyError } from './secrets/index.js';

/** `npx touchpoint …`: setup commands for scripts and first start. See relay/commands.ts. */
run(process.argv.slice(2))
  .then(({ text, json }) => {
    const asJson = process.argv.includes('--json');
    console.log(asJson && json !== null ? JSON.stringify(json, null, 2) : text);
  })
  .catch((err: Error & { code?: string }) => {
    if (
      err instanceof UsageError ||
      err instanceof ConfigError ||
      err instanceof SecretKeyError ||
      err instanceof CopyError ||
      err.code?.startsWith('ERR_PARSE_ARGS')
    ) {
      console.error(`touchpoint: ${err.message}`);
      process.exit(2);
    }
    console.error(err);
    process.exit(1);
  });
