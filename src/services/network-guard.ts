import { lookup as resolve, type LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Addresses a webhook must not reach unless WEBHOOK_ALLOW_PRIVATE_NETWORKS allows it: the machine
 * itself, private networks, link-local (cloud metadata at 169.254.169.254) and the like, which a URL
 * pointing there would otherwise let anyone who may create webhooks probe.
 */
const PRIVATE = new BlockList();
for (const [address, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(address, prefix, 'ipv4');
for (const [address, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  PRIVATE.addSubnet(address, prefix, 'ipv6');

function isPrivate(address: string): boolean {
  // An IPv4 address written as IPv6 (::ffff:127.0.0.1) is the IPv4 address.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return PRIVATE.check(mapped, 'ipv4');
  return PRIVATE.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

export class PrivateNetworkError extends Error {}

const refusal = (host: string, address: string) =>
  new PrivateNetworkError(
    `${host} is a private, loopback or link-local address (${address}); ` +
      'set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to allow it',
  );

/**
 * Throws PrivateNetworkError when the URL's host is, or resolves to, a private address (every address
 * it resolves to is checked), unless those are allowed: when a webhook is saved, to answer 400 early.
 */
export async function assertPublicHost(url: URL, allowPrivate: boolean): Promise<void> {
  if (allowPrivate) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  const blocked = addresses.find(isPrivate);
  if (blocked) throw refusal(url.hostname, blocked);
}

/**
 * A DNS lookup for the connection itself that refuses private addresses: checking the name first and
 * connecting after would let it resolve elsewhere in between (DNS rebinding). A literal address is
 * never looked up, so assertPublicHost checks those.
 */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  resolve(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    const blocked = addresses.find((a) => isPrivate(a.address));
    if (blocked) return callback(refusal(hostname, blocked.address), '', 0);
    if (options.all) return (callback as unknown as (e: null, all: LookupAddress[]) => void)(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
};
