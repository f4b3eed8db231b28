// The client's address, truncated (IPv4 /24, IPv6 /48) before anything is stored.
import { isIPv4, isIPv6 } from 'node:net';

/**
 * Keeps the network part only; returns null for anything that is not an IP address.
 * @example truncateIp('203.0.113.77') // '203.0.113.0'
 */
export function truncateIp(ip: string | undefined | null): string | null {
  if (!ip) return null;
  let truncated = recent.get(ip);
  if (truncated === undefined) {
    if (recent.size >= 10_000) recent.clear();
    recent.set(ip, (truncated = truncate(ip)));
  }
  return truncated;
}

// A busy collector hears the same addresses again and again; parsing IPv6 (through URL) costs more than a lookup.
const recent = new Map<string, string | null>();

function truncate(ip: string): string | null {
  let address = ip.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) address = mapped[1];
  if (isIPv4(address)) return address.split('.').slice(0, 3).join('.') + '.0';
  address = address.replace(/%.*$/, ''); // zone id, e.g. fe80::1%eth0
  if (!isIPv6(address)) return null;
  // Every spelling of an IPv4-mapped address (::ffff:cb00:714d, 0:0:0:0:0:ffff:1.2.3.4) is an IPv4 client: truncate it as one.
  const hex = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(new URL(`http://[${address}]`).hostname);
  if (hex) {
    const [high, low] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
    return `${high >> 8}.${high & 255}.${low >> 8}.0`;
  }
  return expandIPv6(address).slice(0, 3).join(':') + '::';
}

function expandIPv6(address: string): string[] {
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  const groups = tail === undefined ? left : [...left, ...Array(missing).fill('0'), ...right];
  return groups.map((g) => (g.includes('.') ? '0' : g.replace(/^0+(?=.)/, '').toLowerCase()));
}

/** The first X-Forwarded-For entry when the proxy is trusted (the proxy must set or replace it), else the socket's address. */
export function clientIp(socketAddress: string | undefined, forwardedFor: string | undefined, trustProxy: boolean): string | undefined {
  if (trustProxy && forwardedFor) {
    const first = forwardedFor.split(',')[0].trim();
    if (first) return first;
  }
  return socketAddress;
}
