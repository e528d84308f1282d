import "server-only";

import { AsyncLocalStorage } from "node:async_hooks";

import { processSingleton } from "@/lib/process-singleton";
import { clientAddress } from "@/lib/security/client-address";

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

/** `hops`: TRUSTED_PROXY_HOPS, how the client's address is read (lib/security/client-address.ts). */
export function clientInfoFrom(headers: Headers, hops: number): ClientInfo {
  const userAgent = headers.get("user-agent")?.trim().slice(0, MAX_USER_AGENT);
  return { ip: clientAddress(headers, hops), userAgent: userAgent || null };
}

// Shared by every bundle of the process (route handlers, actions).
const store = processSingleton("current-request", () => new AsyncLocalStorage<Request>());

/** Wraps a route handler so that code it calls can read the request (`currentRequest`). */
export function withCurrentRequest<R extends Request>(handler: (request: R) => Promise<Response>): (request: R) => Promise<Response> {
  return (request) => store.run(request, () => handler(request));
}

export function currentRequest(): Request | undefined {
  return store.getStore();
}
