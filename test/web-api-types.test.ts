import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiTypes, GENERATED_FILE } from '../web/api-types.js';

describe("the dashboard's API types", () => {
  it("are generated from the service's current OpenAPI document (npm run generate:api-types)", async () => {
    const generated = await apiTypes();
    expect(generated).toContain('"/projects/{project}/environments/{environment}/flags/{flag_name}"');
    expect(readFileSync(GENERATED_FILE, 'utf8') === generated, 'web/src/generated/openapi.ts is stale').toBe(true);
  });
});
