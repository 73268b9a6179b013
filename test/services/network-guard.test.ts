import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { hostAllowed, refusalOf } from '../../src/support/network-guard.js';

// Checked as addresses only: nothing here connects anywhere.
describe('where a webhook may connect', () => {
  it.each([
    // IPv4 special-purpose registry (RFC 6890 and later)
    ['0.0.0.0', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['127.0.0.1', 'loopback'],
    ['169.254.169.254', 'linkLocal'],
    ['172.16.0.1', 'private'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['192.31.196.1', 'as112'],
    ['192.52.193.1', 'amt'],
    ['192.88.99.1', 'reserved'],
    ['192.168.1.1', 'private'],
    ['192.175.48.1', 'as112'],
    ['198.18.0.1', 'reserved'],
    ['198.51.100.7', 'reserved'],
    ['203.0.113.9', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    // IPv6
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['100::1', 'discard'],
    ['2001:2::1', 'benchmarking'],
    ['2001:db8::1', 'reserved'],
    ['2001:10::1', 'deprecatedOrchid'],
    ['2620:4f:8000::1', 'as112v6'],
    ['3fff::1', 'reserved'],
    ['5f00::1', 'segmentRouting'],
    ['64:ff9b:1::1', 'rfc6052'],
    ['fc00::1', 'uniqueLocal'],
    ['fd00::2', 'uniqueLocal'],
    ['fe80::1', 'linkLocal'],
    ['fec0::1', 'deprecatedSiteLocal'],
    ['ff02::1', 'multicast'],
    // IPv4 inside IPv6: judged by the IPv4 address
    ['::ffff:127.0.0.1', 'loopback'],
    // IPv4-compatible, as a URL writes [::127.0.0.1]
    ['::7f00:1', 'loopback, embedded in IPv6'],
    ['::ffff:0:127.0.0.1', 'loopback, embedded in IPv6'],
    ['64:ff9b::127.0.0.1', 'loopback, embedded in IPv6'],
    ['64:ff9b::a9fe:a9fe', 'linkLocal, embedded in IPv6'],
    ['2002:7f00:1::', 'loopback, embedded in IPv6'],
    ['2002:c0a8:101::1', 'private, embedded in IPv6'],
    // Teredo: server 65.54.227.120, client 127.0.0.1 (inverted: 80ff:fffe)
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'loopback, embedded in IPv6'],
  ])('refuses %s (%s)', (address, range) => {
    expect(refusalOf(address, false, [])).toBe(`${address} is in a special-purpose range (${range})`);
    expect(refusalOf(address, true, [])).toBeUndefined();
  });

  it.each([
    '93.184.215.14',
    '8.8.8.8',
    '2606:2800:21f:cb07:6820:80da:af6b:8b2c',
    '::ffff:93.184.215.14',
    '64:ff9b::5db8:d70e',
    '2002:5db8:d70e::1',
  ])('lets %s through', (address) => {
    expect(refusalOf(address, false, [])).toBeUndefined();
  });

  it("refuses this host's own addresses, whatever their range, unless private networks are allowed", () => {
    expect(refusalOf('93.184.215.14', false, ['93.184.215.14'])).toBe('93.184.215.14 is an address of this host');
    expect(refusalOf('2606:2800:220:1::1', false, ['2606:2800:220:1:0:0:0:1'])).toBe(
      '2606:2800:220:1::1 is an address of this host',
    );
    expect(refusalOf('93.184.215.14', true, ['93.184.215.14'])).toBeUndefined();
    // This machine's own interfaces, as the service reads them.
    const own = Object.values(networkInterfaces())
      .flat()
      .map((i) => i!.address);
    expect(own.length).toBeGreaterThan(0);
    for (const address of own) expect(refusalOf(address, false), address).toBeDefined();
  });

  it('narrows to WEBHOOK_ALLOWED_HOSTS: exact names, or any name below a "*." entry', () => {
    const allowed = ['hooks.example.com', '*.partner.example', '127.0.0.1', '::1'];
    expect(hostAllowed('hooks.example.com', allowed)).toBe(true);
    expect(hostAllowed('HOOKS.example.com', allowed)).toBe(true);
    expect(hostAllowed('a.partner.example', allowed)).toBe(true);
    expect(hostAllowed('a.b.partner.example', allowed)).toBe(true);
    expect(hostAllowed('127.0.0.1', allowed)).toBe(true);
    expect(hostAllowed('[::1]', allowed)).toBe(true);
    for (const host of ['partner.example', 'evilpartner.example', 'example.com', 'hooks.example.com.evil', 'x.com']) {
      expect(hostAllowed(host, allowed), host).toBe(false);
    }
    expect(hostAllowed('anything.example', [])).toBe(true);
  });
});
