import "server-only";

import { AsyncLocalStorage } from "node:async_hooks";
import { isIP } from "node:net";

/**
 * Where a request came from, for the sessions and activity pages: the client's IP address and
 * User-Agent. Shown to the person, never used to decide anything (both are whatever the client and
 * the proxies in between say).
 *
 * Auth.js calls our callbacks without the request, so the route handler is wrapped
 * (`withCurrentRequest`) and the callbacks read it back from here (`currentRequest`).
 */

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

const MAX_USER_AGENT = 512;

/**
 * The rightmost X-Forwarded-For entry: the address that the nearest proxy (or Next.js itself,
 * which sets the header from the socket when it is absent) saw. Entries to its left were added by
 * the client and anything in between, so they are the easiest to make up.
 */
export function clientIp(headers: Headers): string | null {
  const forwarded = headers.get("x-forwarded-for");
  const candidates = forwarded ? forwarded.split(",").reverse() : [];
  const realIp = headers.get("x-real-ip");
  if (realIp) candidates.push(realIp);
  for (const raw of candidates) {
    let ip = raw.trim();
    if (ip.startsWith("[") && ip.includes("]")) ip = ip.slice(1, ip.indexOf("]"));
    if (ip.toLowerCase().startsWith("::ffff:") && isIP(ip.slice(7)) === 4) ip = ip.slice(7);
    if (isIP(ip)) return ip;
  }
  return null;
}

export function clientInfoFrom(headers: Headers): ClientInfo {
  const userAgent = headers.get("user-agent")?.trim().slice(0, MAX_USER_AGENT);
  return { ip: clientIp(headers), userAgent: userAgent || null };
}

// Shared by every bundle of the process (route handlers, actions), like lib/env.ts's cache.
const STORE_KEY = Symbol.for("oauth-next-app.current-request");
const holder = globalThis as typeof globalThis & { [STORE_KEY]?: AsyncLocalStorage<Request> };
const store = (holder[STORE_KEY] ??= new AsyncLocalStorage<Request>());

/** Wraps a route handler so that code it calls can read the request (`currentRequest`). */
export function withCurrentRequest<R extends Request>(handler: (request: R) => Promise<Response>): (request: R) => Promise<Response> {
  return (request) => store.run(request, () => handler(request));
}

export function currentRequest(): Request | undefined {
  return store.getStore();
}
