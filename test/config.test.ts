import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration from the environment', () => {
  it('refuses an ADMIN_API_KEY shorter than 32 characters, saying how to make one', () => {
    expect(() => loadConfig({ ADMIN_API_KEY: 'x'.repeat(31) })).toThrow(ConfigError);
    expect(() => loadConfig({ ADMIN_API_KEY: 'x'.repeat(31) })).toThrow(
      'ADMIN_API_KEY: must be at least 32 characters; generate one with: openssl rand -base64 32',
    );
    expect(loadConfig({ ADMIN_API_KEY: 'x'.repeat(32) }).adminApiKey).toBe('x'.repeat(32));
    // Empty means unset, as platforms write it.
    expect(loadConfig({ ADMIN_API_KEY: '' }).adminApiKey).toBeUndefined();
  });

  it('listens on loopback unless HOST says otherwise: a quick start is not open to the network', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('reads a variable set to "" as unset, never as 0 (any port, no rate limit)', () => {
    const empty = loadConfig({ PORT: '', RATE_LIMIT_WRITES: '', RATE_LIMIT_EVALUATIONS: '', REDIS_URL: '' });
    const unset = loadConfig({});
    expect(empty.port).toBe(8000);
    expect(empty.rateLimits).toEqual(unset.rateLimits);
    expect(empty.rateLimits.writes).toBe(300);
    expect(empty.redisUrl).toBeUndefined();
  });

  it('reads WEBHOOK_ALLOWED_HOSTS as a list of names, "*." domains and addresses, and refuses anything else', () => {
    expect(loadConfig({}).webhooks.allowedHosts).toEqual([]);
    expect(
      loadConfig({ WEBHOOK_ALLOWED_HOSTS: ' Hooks.Example.com, *.partner.example,127.0.0.1,, ::1' }).webhooks,
    ).toMatchObject({ allowedHosts: ['hooks.example.com', '*.partner.example', '127.0.0.1', '::1'] });
    for (const bad of ['https://hooks.example.com', 'hooks.example.com/path', 'a.*.example.com', '*', 'user@host']) {
      expect(() => loadConfig({ WEBHOOK_ALLOWED_HOSTS: bad }), bad).toThrow(/WEBHOOK_ALLOWED_HOSTS\.0: each entry is/);
    }
  });

  it('reads TRUST_PROXY as a number of proxies or their addresses, and refuses anything else', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: ' 10.0.0.0/8, uniquelocal,::1, 192.0.2.7' }).trustProxy).toEqual([
      '10.0.0.0/8',
      'uniquelocal',
      '::1',
      '192.0.2.7',
    ]);
    for (const bad of ['yes', '10.0.0.0/33', 'fd00::/129', '10.0.0.1/8/1', 'proxy.example.com', ',']) {
      expect(() => loadConfig({ TRUST_PROXY: bad }), bad).toThrow(/TRUST_PROXY: .* is not a number of proxies/);
    }
  });
});
