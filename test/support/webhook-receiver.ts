import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * A real HTTP endpoint on loopback (on `port`, or any free one) that records every request and
 * answers as the test says (200 by default): the other side of a webhook.
 */
export async function startReceiver(port = 0) {
  const received: Received[] = [];
  let answer: (request: IncomingMessage, response: ServerResponse) => unknown = (_request, response) =>
    response.end('ok');
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ path: request.url ?? '', headers: request.headers as Record<string, string>, body });
      answer(request, response);
    });
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const { port: listening } = server.address() as { port: number };
  return {
    received,
    url: (path = '/hook') => `http://127.0.0.1:${listening}${path}`,
    answerWith(next: typeof answer) {
      answer = next;
    },
    /** Waits (real time) until `count` requests have arrived. */
    async waitFor(count: number, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`${received.length} of ${count} deliveries in ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
