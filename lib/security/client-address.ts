import { isIP } from "node:net";

/**
 * The client's IP address, for rate limits and for the sessions and activity pages.
 *
 * X-Forwarded-For is a list that every proxy on the way appends the address it saw to; entries to
 * the left of what our own proxies wrote are whatever the client sent. So the client is the entry
 * `hops` from the right, where `hops` is how many proxies of ours append to it (TRUSTED_PROXY_HOPS:
 * 1 behind one reverse proxy or on Vercel, 0 when clients reach the Node server directly). That one
 * entry is all we read: if it is not an address (`unknown`, a hostname, garbage), the answer is
 * "unknown", never the client-written entry beside it.
 *
 * With `hops = 0` no header is trusted at all: the address is the TCP peer's, which the server
 * writes into PEER_ADDRESS_HEADER itself for every request (lib/security/peer-address.ts), replacing any
 * value a client sent.
 */

export const PEER_ADDRESS_HEADER = "x-oauth-next-app-peer";

/**
 * One address as proxies write it: `203.0.113.5`, `203.0.113.5:49152`, `2001:db8::1`,
 * `[2001:db8::1]`, `[2001:db8::1]:443`, `::ffff:203.0.113.5`. Null for anything else.
 */
export function parseAddress(raw: string): string | null {
  let value = raw.trim();
  if (value.startsWith("[")) {
    const end = value.indexOf("]");
    const rest = value.slice(end + 1);
    if (end < 0 || (rest !== "" && !/^:\d{1,5}$/.test(rest))) return null;
    value = value.slice(1, end);
    if (isIP(value) !== 6) return null;
  } else if (/^[\d.]+:\d{1,5}$/.test(value)) {
    value = value.slice(0, value.lastIndexOf(":"));
  }
  const version = isIP(value);
  if (version === 0) return null;
  if (version === 6 && value.toLowerCase().startsWith("::ffff:") && isIP(value.slice(7)) === 4) return value.slice(7);
  return version === 6 ? value.toLowerCase() : value;
}

/** The client's address, or null when it cannot be known (see above). */
export function clientAddress(headers: Headers, hops: number): string | null {
  if (hops === 0) {
    const peer = headers.get(PEER_ADDRESS_HEADER);
    return peer === null ? null : parseAddress(peer);
  }
  const forwarded = headers.get("x-forwarded-for");
  if (forwarded === null) return null;
  const entries = forwarded.split(",");
  // Fewer entries than proxies we trust: one of them did not write its entry; nothing here is ours.
  const entry = entries[entries.length - hops];
  return entry === undefined ? null : parseAddress(entry);
}

/** Everyone whose address cannot be known shares one bucket, rather than escaping the limit. */
export const UNKNOWN_CLIENT = "unknown";

/**
 * The rate-limit bucket of an address. An IPv6 client usually holds a whole /64 (RFC 6177: one per
 * site, routinely given to a single home or VM), so per-address buckets would give it 2^64 of them:
 * IPv6 counts by /64. IPv4 counts by address.
 */
export function rateLimitSubject(address: string | null): string {
  if (address === null) return UNKNOWN_CLIENT;
  if (isIP(address) !== 6) return address;
  return `${expandIpv6(address).slice(0, 4).join(":")}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, without leading zeros. */
function expandIpv6(address: string): string[] {
  let text = address;
  // An embedded IPv4 tail (`::1.2.3.4`) is two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const left = head ? head.split(":") : [];
  const right = tail === undefined ? [] : tail ? tail.split(":") : [];
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(missing).fill("0"), ...right].map((group) => Number.parseInt(group, 16).toString(16));
}
