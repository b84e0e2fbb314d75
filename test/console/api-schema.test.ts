import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEMA_FILE, schemaTypes } from '../../console/api/generate.js';

describe('console API types', () => {
  it('are what `npm run console:api` makes from the relay’s current OpenAPI document', async () => {
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    // A mismatch means a route's schema changed: run `npm run console:api` and commit.
    expect(committed === (await schemaTypes()), 'console/api/schema.d.ts is stale').toBe(true);
  });
});
