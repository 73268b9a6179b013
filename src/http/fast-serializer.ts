import fastJson from 'fast-json-stringify';
import { z } from 'zod';

/**
 * For hot routes: compiles the route's zod response schema to JSON Schema once and serialises with
 * fast-json-stringify, instead of the zod provider's validate-then-JSON.stringify on every response.
 * The same zod schema still documents the route; the response shapes are built by our own code,
 * so they need no validation at run time.
 */
export function fastSerializerCompiler({ schema }: { schema: unknown }): (data: unknown) => string {
  return fastJson(
    z.toJSONSchema(schema as z.ZodType, { target: 'draft-7', io: 'output' }) as Parameters<typeof fastJson>[0],
  );
}
