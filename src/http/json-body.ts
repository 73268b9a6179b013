import { isUtf8 } from 'node:buffer';
import { JSONParser } from '@streamparser/json';
import type { FastifyInstance } from 'fastify';
import { scan } from 'secure-json-parse';
import { BadRequestError } from '../errors.js';
import { giveTurnIfHeld } from '../support/event-loop.js';

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

/** What each piece of a body parsed in turns holds: JSONParser takes bytes, a piece at a time. */
const PIECE_BYTES = 64 * 1024;

/** The parsed body's checks, as Fastify's parser and registerJsonBodies make them, for one value. */
function checkParsed(value: unknown, depthAbove: number): void {
  try {
    // Fastify's own parser refuses these too (secure-json-parse, both actions "error").
    scan(value as object, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    throw new BadRequestError((error as Error).message);
  }
  if (depthAbove + depthOf(value) > MAX_JSON_DEPTH) {
    throw new BadRequestError(`The request body nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
}

/**
 * A JSON body whose one long list (an import's flags) makes it megabytes: parsed a piece at a time by
 * @streamparser/json, each of the list's items checked as it completes, and the event loop given its
 * turns in between. JSON.parse, the prototype scan and the depth check of an 11 MB document each held
 * the loop for 50 to 180 ms at once. The same checks, and the same value, as registerJsonBodies.
 */
export async function parseJsonInTurns(body: Buffer, listPath: readonly string[]): Promise<unknown> {
  if (!isUtf8(body)) throw new BadRequestError('The request body is not valid UTF-8');
  const parser = new JSONParser({ paths: [`$.${listPath.join('.')}.*`, '$'], keepStack: false });
  let root: unknown;
  let failure: Error | undefined;
  parser.onValue = ({ value, stack }) => {
    if (stack.length === 0) root = value;
    else if (failure === undefined) {
      try {
        checkParsed(value, stack.length);
      } catch (error) {
        failure = error as Error;
      }
    }
  };
  parser.onError = (error) => (failure ??= new BadRequestError(`The request body is not valid JSON: ${error.message}`));
  for (let at = 0; at < body.length && failure === undefined; at += PIECE_BYTES) {
    parser.write(body.subarray(at, at + PIECE_BYTES));
    await giveTurnIfHeld();
  }
  if (failure === undefined && !parser.isEnded) parser.end();
  if (failure !== undefined) throw failure;
  if (root === undefined) throw new BadRequestError('The request body is not valid JSON: it is empty');
  // The rest of the body, without the list's items (checked already).
  let holder = root as Record<string, unknown> | undefined;
  for (const key of listPath.slice(0, -1)) holder = holder?.[key] as Record<string, unknown> | undefined;
  const last = listPath[listPath.length - 1];
  const list = holder?.[last];
  if (holder && Array.isArray(list)) holder[last] = [];
  checkParsed(root, 0);
  if (holder && Array.isArray(list)) holder[last] = list;
  return root;
}
