import { lookup as resolve, type LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { networkInterfaces } from 'node:os';
import ipaddr from 'ipaddr.js';

/**
 * Where a webhook may connect. Unless WEBHOOK_ALLOW_PRIVATE_NETWORKS allows it, a webhook must not
 * reach this host (its own interface addresses), nor any address in the IANA special-purpose
 * registries (loopback, private, link-local with cloud metadata at 169.254.169.254, documentation,
 * benchmarking, multicast…): anyone who may create webhooks could otherwise probe the service's own
 * network and read the answers in the delivery log. WEBHOOK_ALLOWED_HOSTS narrows it further.
 */
export interface NetworkPolicy {
  allowPrivateNetworks: boolean;
  /** Host names a webhook may target ("hooks.example.com", or "*.example.com" for any below it); all when empty. */
  allowedHosts: readonly string[];
}

export class PrivateNetworkError extends Error {}

/**
 * The IPv4 address an IPv6 address carries, for the forms that route to it: IPv4-mapped (::ffff:a.b.c.d),
 * IPv4-translated (::ffff:0:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64's well-known prefix
 * (64:ff9b::a.b.c.d), 6to4 (2002:aabb:ccdd::) and Teredo (the client's address, inverted, in the last 32 bits).
 */
function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4[] {
  const p = address.parts;
  const v4 = (high: number, low: number) => new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  switch (address.range()) {
    case 'ipv4Mapped':
    case 'rfc6145':
      return [v4(p[6], p[7])];
    case 'rfc6052':
      // Only the /96 well-known prefix puts it last; 64:ff9b:1::/48 is for local use, refused as such.
      return p[2] === 0 ? [v4(p[6], p[7])] : [];
    case '6to4':
      return [v4(p[1], p[2])];
    case 'teredo':
      return [v4(p[2], p[3]), v4(p[6] ^ 0xffff, p[7] ^ 0xffff)];
    default:
      // IPv4-compatible: 96 zero bits, then the address (:: and ::1 are special-purpose themselves).
      return p.slice(0, 6).every((part) => part === 0) && (p[6] !== 0 || p[7] > 1) ? [v4(p[6], p[7])] : [];
  }
}

/** The special-purpose range of an address (ipaddr.js names IANA's registries' entries), or undefined. */
function specialRange(address: ipaddr.IPv4 | ipaddr.IPv6): string | undefined {
  if (address.kind() === 'ipv6') {
    const embedded = embeddedIpv4(address as ipaddr.IPv6);
    if (embedded.length > 0) {
      const refused = embedded.map(specialRange).find((range) => range !== undefined);
      return refused && `${refused}, embedded in IPv6`;
    }
  }
  const range = address.range();
  return range === 'unicast' ? undefined : range;
}

const addressesOfThisHost = () =>
  Object.values(networkInterfaces())
    .flat()
    .map((i) => i && ipaddr.process(i.address).toNormalizedString());

/**
 * Why a webhook may not connect to `address`, or undefined when it may. `localAddresses` are this host's
 * interface addresses (os.networkInterfaces(), read at each check: they change).
 */
export function refusalOf(
  address: string,
  allowPrivateNetworks: boolean,
  localAddresses: readonly (string | undefined)[] = addressesOfThisHost(),
): string | undefined {
  if (allowPrivateNetworks) return undefined;
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  const parsed = ipaddr.process(address.replace(/%.*$/, ''));
  if (localAddresses.includes(parsed.toNormalizedString())) return `${address} is an address of this host`;
  const range = specialRange(parsed);
  return range && `${address} is in a special-purpose range (${range})`;
}

const refusal = (host: string, why: string) =>
  new PrivateNetworkError(
    `${host} may not be a webhook's target: ${why}; set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to allow it`,
  );

/** Whether a URL's host is one WEBHOOK_ALLOWED_HOSTS names: exactly, or below a "*." entry. */
export function hostAllowed(hostname: string, allowedHosts: readonly string[]): boolean {
  if (allowedHosts.length === 0) return true;
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return allowedHosts.some((entry) =>
    entry.startsWith('*.') ? host.endsWith(entry.slice(1)) && host.length > entry.length - 1 : host === entry,
  );
}

/**
 * What can be told of a URL without a DNS lookup: its host is not in WEBHOOK_ALLOWED_HOSTS, or it is a
 * literal address a webhook may not reach. Before every delivery (names are checked as they are
 * connected to, by guardedLookup).
 */
export function urlRefusal(url: URL, policy: NetworkPolicy): PrivateNetworkError | undefined {
  if (!hostAllowed(url.hostname, policy.allowedHosts)) {
    return new PrivateNetworkError(`${url.hostname} is not one of WEBHOOK_ALLOWED_HOSTS`);
  }
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  const why = isIP(literal) ? refusalOf(literal, policy.allowPrivateNetworks) : undefined;
  return why === undefined ? undefined : refusal(url.hostname, why);
}

/**
 * Throws PrivateNetworkError when urlRefusal refuses the URL, or its host name resolves to an address a
 * webhook may not reach (every address it resolves to is checked): when a webhook is saved, to answer
 * 400 early.
 */
export async function assertReachable(url: URL, policy: NetworkPolicy): Promise<void> {
  const refused = urlRefusal(url, policy);
  if (refused) throw refused;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (policy.allowPrivateNetworks || isIP(host)) return;
  for (const { address } of await lookup(host, { all: true, verbatim: true })) {
    const why = refusalOf(address, false);
    if (why !== undefined) throw refusal(url.hostname, why);
  }
}

/**
 * A DNS lookup for the connection itself that refuses what refusalOf refuses: checking the name first
 * and connecting after would let it resolve elsewhere in between (DNS rebinding). A literal address is
 * never looked up: urlRefusal checks those.
 */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  resolve(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    for (const { address } of addresses) {
      const why = refusalOf(address, false);
      if (why !== undefined) return callback(refusal(hostname, why), '', 0);
    }
    if (options.all) return (callback as unknown as (e: null, all: LookupAddress[]) => void)(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
};
