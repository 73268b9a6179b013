import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { giveTurnIfHeld } from '../support/event-loop.js';

/** One exported row: its fields in column order, as JSON values. */
export type Row = Record<string, string | number | boolean | null>;

// RFC 4180: a field holding a comma, a quote or a line break is quoted, its quotes doubled.
const csvField = (value: Row[string]) => {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/**
 * Streams rows as NDJSON (the default) or CSV (when Accept asks for text/csv), pulling the next
 * page from the database only as the client reads: memory holds one page, whatever the export's size.
 */
export function sendRows(
  request: FastifyRequest,
  reply: FastifyReply,
  columns: readonly string[],
  rows: AsyncIterable<Row>,
): FastifyReply {
  const csv = /\btext\/csv\b/.test(request.headers.accept ?? '');
  async function* lines() {
    if (csv) yield `${columns.join(',')}\r\n`;
    for await (const row of rows) {
      yield csv ? `${columns.map((c) => csvField(row[c])).join(',')}\r\n` : `${JSON.stringify(row)}\n`;
    }
  }
  return reply
    .type(csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
    .send(Readable.from(lines(), { objectMode: false }));
}

/**
 * `{...head, [key]: list}` as JSON text, streamed an item at a time with the event loop given its turns:
 * one JSON.stringify of an answer of many megabytes held it for a quarter of a second.
 */
export function sendJsonWithListInTurns(
  reply: FastifyReply,
  head: object,
  key: string,
  list: readonly unknown[],
): FastifyReply {
  async function* parts() {
    // The head with an empty list last, opened: {"mode":"merge","applied":true,"changes":[
    yield JSON.stringify({ ...head, [key]: [] }).slice(0, -2);
    for (const [index, item] of list.entries()) {
      yield `${index === 0 ? '' : ','}${JSON.stringify(item)}`;
      await giveTurnIfHeld();
    }
    yield ']}';
  }
  return reply.type('application/json; charset=utf-8').send(Readable.from(parts(), { objectMode: false }));
}
