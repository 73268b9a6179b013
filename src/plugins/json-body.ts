import type { FastifyInstance } from 'fastify';
import { BadRequestError } from '../errors.js';

/** Deeper than any flag, rule or context needs; deep enough nesting overflows the stack of zod's checks. */
export const MAX_JSON_DEPTH = 64;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** How deeply arrays and objects nest in a parsed JSON value, counted without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > MAX_JSON_DEPTH) return deepest;
    for (const child of Object.values(current)) pending.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * The JSON bodies this API takes (application/json, and application/merge-patch+json for partial
 * updates): Fastify's own parser (prototype-poisoning checks and all), after refusing bytes that are
 * not UTF-8, which would otherwise be stored with U+FFFD in their place, and then nesting deeper than
 * MAX_JSON_DEPTH, which would otherwise overflow the stack in validation (a 500).
 */
export function registerJsonBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    ['application/json', 'application/merge-patch+json'],
    { parseAs: 'buffer' },
    (request, body, done) => {
      let text: string;
      try {
        text = utf8.decode(body as Buffer);
      } catch {
        return done(new BadRequestError('The request body is not valid UTF-8'), undefined);
      }
      parseJson(request, text, (error, value) => {
        if (error) return done(error, undefined);
        if (depthOf(value) > MAX_JSON_DEPTH)
          return done(new BadRequestError(`The request body nests deeper than ${MAX_JSON_DEPTH} levels`), undefined);
        done(null, value);
      });
    },
  );
}
