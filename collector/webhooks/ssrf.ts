// SSRF guard for webhook URLs: which addresses and hostnames a webhook may never reach.
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup } from 'node:dns/promises';

/** A webhook URL or address that Piste refuses to send to. */
export class WebhookUrlError extends Error {
  override name = 'WebhookUrlError';
}

export type ResolvedAddress = { address: string; family: 4 | 6 };
/** Resolves a hostname to every address it has (like `dns.lookup(host, { all: true })`). */
export type LookupAll = (hostname: string) => Promise<ResolvedAddress[]>;

export const lookupAll: LookupAll = async (hostname) => {
  const found = await dnsLookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

// IANA special-purpose IPv4 ranges: nothing here is a public webhook receiver.
const FORBIDDEN_V4: [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, including cloud metadata 169.254.169.254
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, including broadcast 255.255.255.255
];

// IPv6 ranges refused outright. Forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4)
// are unwrapped and judged by their IPv4 address instead, see embeddedV4().
const FORBIDDEN_V6: [string, number][] = [
  ['::', 96], // unspecified ::, loopback ::1 and the deprecated IPv4-compatible ::a.b.c.d
  ['64:ff9b:1::', 48], // local-use NAT64: the embedded v4 is on a private network by definition
  ['100::', 64], // discard
  ['2001::', 32], // Teredo: the embedded client address is obfuscated, cannot be judged
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed on some networks)
  ['ff00::', 8], // multicast
];

// Never a webhook receiver, even when the operator allows private addresses: reaching the cloud
// metadata service from a server hands out its credentials.
const METADATA_ADDRESSES = new Set(['169.254.169.254', '169.254.170.2', 'fd00:ec2::254', '100.100.100.200']);
const METADATA_HOSTNAMES = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'metadata.azure.com',
  'instance-data',
  'instance-data.ec2.internal',
]);

const METADATA_V6 = [...METADATA_ADDRESSES].filter((a) => isIP(a) === 6).map((a) => v6Bytes(a)!);

const blockV4 = new BlockList();
for (const [net, prefix] of FORBIDDEN_V4) blockV4.addSubnet(net, prefix, 'ipv4');
const blockV6 = new BlockList();
for (const [net, prefix] of FORBIDDEN_V6) blockV6.addSubnet(net, prefix, 'ipv6');

/**
 * Parses the IPv4 spellings that `inet_aton` (and so `getaddrinfo`) accepts: 1 to 4 parts, each
 * decimal, octal (leading 0) or hex (0x), the last part filling the remaining bytes
 * (`2130706433`, `0177.0.0.1`, `0x7f.1`, `127.1` are all 127.0.0.1). Returns dotted-quad or null.
 */
export function parseLooseIPv4(host: string): string | null {
  const parts = host.split('.');
  if (parts.length > 4) return null;
  const nums: number[] = [];
  for (const part of parts) {
    let n: number;
    if (/^0x[0-9a-f]*$/i.test(part)) n = part.length === 2 ? 0 : parseInt(part.slice(2), 16);
    else if (/^0[0-7]*$/.test(part)) n = parseInt(part, 8);
    else if (/^[1-9][0-9]*$/.test(part)) n = parseInt(part, 10);
    else return null;
    nums.push(n);
  }
  const last = nums.pop()!;
  if (nums.some((n) => n > 255) || last >= 2 ** (8 * (4 - nums.length))) return null;
  let value = last;
  nums.forEach((n, i) => (value += n * 2 ** (8 * (3 - i))));
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** The 16 bytes of an IPv6 address (zone id ignored), or null when it is not one. */
function v6Bytes(ip: string): number[] | null {
  const addr = ip.replace(/%.*$/, '');
  if (isIP(addr) !== 6) return null;
  let text = addr;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text = text.slice(0, -dotted[1].length) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16);
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array(8 - headGroups.length - tailGroups.length).fill('0');
  const groups = [...headGroups, ...zeros, ...tailGroups].map((g) => parseInt(g, 16));
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

const startsWith = (bytes: number[], prefix: number[]) => prefix.every((b, i) => bytes[i] === b);
const v4At = (bytes: number[], i: number) => bytes.slice(i, i + 4).join('.');

/** The IPv4 address an IPv6 address stands for (mapped, NAT64, 6to4), if any. */
function embeddedV4(bytes: number[]): string | null {
  const zeros = (n: number) => Array(n).fill(0);
  if (startsWith(bytes, [...zeros(10), 0xff, 0xff])) return v4At(bytes, 12); // ::ffff:a.b.c.d
  if (startsWith(bytes, [0, 0x64, 0xff, 0x9b, ...zeros(8)])) return v4At(bytes, 12); // 64:ff9b::/96
  if (startsWith(bytes, [0x20, 0x02])) return v4At(bytes, 2); // 2002:aabb:ccdd::/48 (6to4)
  return null;
}

/**
 * True when an address must never receive a webhook: loopback, private, CGNAT, link-local,
 * metadata, multicast, reserved, and IPv6 forms of them. Odd IPv4 spellings are normalised first.
 * Anything that is not an IP address at all is refused (fail closed).
 *
 * @example isForbiddenAddress('::ffff:7f00:1') // true (127.0.0.1)
 */
export function isForbiddenAddress(ip: string): boolean {
  const host = ip.replace(/^\[(.*)\]$/, '$1');
  const v4 = isIP(host) === 4 ? host : parseLooseIPv4(host);
  if (v4) return blockV4.check(v4, 'ipv4');
  const bytes = v6Bytes(host);
  if (!bytes) return true;
  const inner = embeddedV4(bytes);
  if (inner) return blockV4.check(inner, 'ipv4');
  return blockV6.check(host.replace(/%.*$/, ''), 'ipv6');
}

/** True for cloud metadata endpoints, refused even when private addresses are allowed. */
export function isMetadataAddress(ip: string): boolean {
  const host = ip.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '').toLowerCase();
  const v4 = isIP(host) === 4 ? host : parseLooseIPv4(host);
  if (v4) return METADATA_ADDRESSES.has(v4);
  const bytes = v6Bytes(host);
  if (!bytes) return false;
  const inner = embeddedV4(bytes);
  return inner ? METADATA_ADDRESSES.has(inner) : METADATA_V6.some((m) => m.every((b, i) => b === bytes[i]));
}

/** Lower-cased hostname without brackets or a trailing dot (`Metadata.Google.Internal.` is the same name). */
function normalizeHostname(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
}

function isLocalName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

/** The address a hostname is spelled as, when it is an IP literal in any spelling. */
function literalAddress(host: string): string | null {
  if (isIP(host.replace(/%.*$/, ''))) return host;
  return parseLooseIPv4(host);
}

/**
 * Checks a webhook URL before anything is resolved: http or https only, no credentials, a
 * hostname; and unless `allowPrivate`, no forbidden IP literal, `localhost` or metadata name.
 * Returns the parsed URL; throws `WebhookUrlError` with a message fit for the API client.
 *
 * @example checkUrl('https://hooks.example.com/piste') // ok
 */
export function checkUrl(url: string, opts: { allowPrivate?: boolean } = {}): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WebhookUrlError('Webhook URL is not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new WebhookUrlError('Webhook URL must use http or https');
  }
  if (parsed.username || parsed.password) throw new WebhookUrlError('Webhook URL must not contain credentials');
  const host = normalizeHostname(parsed.hostname);
  if (!host) throw new WebhookUrlError('Webhook URL has no hostname');
  checkHostname(host, opts.allowPrivate ?? false);
  return parsed;
}

/** Refuses metadata names always, and local names or forbidden literals unless private is allowed. */
function checkHostname(host: string, allowPrivate: boolean): void {
  if (METADATA_HOSTNAMES.has(host)) throw new WebhookUrlError(`Webhook host ${host} is a cloud metadata endpoint`);
  const literal = literalAddress(host);
  if (literal) checkAddress(literal, allowPrivate);
  else if (!allowPrivate && isLocalName(host)) throw new WebhookUrlError(`Webhook host ${host} is a local name`);
}

function checkAddress(address: string, allowPrivate: boolean): void {
  if (isMetadataAddress(address)) throw new WebhookUrlError(`Webhook address ${address} is a cloud metadata endpoint`);
  if (!allowPrivate && isForbiddenAddress(address)) {
    throw new WebhookUrlError(`Webhook address ${address} is private, loopback, link-local or reserved`);
  }
}

/**
 * Resolves a hostname and checks every address it resolves to: if ANY is forbidden the whole name
 * is refused (an attacker controls which of several records a client picks). IP literals in any
 * spelling are checked without DNS. Returns the checked addresses; connect only to those.
 */
export async function resolveAndCheck(
  hostname: string,
  opts: { lookup?: LookupAll; allowPrivate?: boolean } = {},
): Promise<ResolvedAddress[]> {
  const allowPrivate = opts.allowPrivate ?? false;
  const host = normalizeHostname(hostname);
  checkHostname(host, allowPrivate);
  const literal = literalAddress(host);
  if (literal) {
    const address = literal.replace(/%.*$/, '');
    return [{ address, family: isIP(address) === 6 ? 6 : 4 }];
  }
  let addresses: ResolvedAddress[];
  try {
    addresses = await (opts.lookup ?? lookupAll)(host);
  } catch (err) {
    throw new WebhookUrlError(`Webhook host ${host} did not resolve: ${(err as Error).message}`);
  }
  if (addresses.length === 0) throw new WebhookUrlError(`Webhook host ${host} did not resolve`);
  for (const { address } of addresses) checkAddress(address, allowPrivate);
  return addresses;
}
