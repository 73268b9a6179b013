import { describe, expect, it } from 'vitest';
import { redactUrl } from '../src/plugins/log-redaction.js';

describe('request URLs as the logs show them', () => {
  it.each([
    ['/ofrep/v1/event-stream?token=12.abc.1796169600.mac', '/ofrep/v1/event-stream?token=[REDACTED]'],
    ['/stream?token=x&other=1', '/stream?token=[REDACTED]&other=1'],
    [
      '/flags?api_key=k1&API-KEY=k2&apikey=k3&key=k4',
      '/flags?api_key=[REDACTED]&API-KEY=[REDACTED]&apikey=[REDACTED]&key=[REDACTED]',
    ],
    ['/x?%74oken=encoded-name', '/x?%74oken=[REDACTED]'],
    ['/x?access_token=a&secret=b&password=c', '/x?access_token=[REDACTED]&secret=[REDACTED]&password=[REDACTED]'],
  ])('%s → %s', (url, logged) => {
    expect(redactUrl(url)).toBe(logged);
  });

  it('leaves everything else as it is', () => {
    for (const url of [
      '/users/alice/flags',
      '/flags?q=token&tag=key',
      '/audit?limit=5&cursor=9',
      '/x?token',
      '/x?%E0%A4%A=1',
    ]) {
      expect(redactUrl(url)).toBe(url);
    }
  });
});
