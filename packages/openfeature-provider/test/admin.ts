import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';

/** A management call through app.inject with an admin key, expected to succeed; its JSON answer. */
export const adminCalls =
  (app: () => FastifyInstance, key: string) => async (method: string, url: string, payload?: object) => {
    const res = await app().inject({
      method: method as 'POST',
      url,
      payload,
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };
