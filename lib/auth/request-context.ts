import "server-only";

import { AsyncLocalStorage } from "node:async_hooks";

import type { AdapterUser } from "next-auth/adapters";

import { processSingleton } from "@/lib/process-singleton";
import { clientAddress } from "@/lib/security/client-address";

/**
 * The request Auth.js is handling, for the code it calls back: Auth.js passes our callbacks, its
 * logger and the adapter no request, so the route handler runs inside a context (`withAuthContext`,
 * lib/auth/next-auth.ts) that they read (`authContext`). The one context holds all they share about
 * that request: the request itself (who is signed in, where from), the first error Auth.js logged
 * (lib/auth/errors.ts) and the provider account it looked up first, with its user (lib/auth/adapter.ts).
 *
 * Also where a request came from, for the sessions and activity pages: the client's IP address and
 * User-Agent. Shown to the person, never used to decide anything (both are whatever the client and
 * the proxies in between say).
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

export interface AuthRequestContext {
  readonly request: Request;
  /** The first error Auth.js logged while handling the request. */
  error?: unknown;
  /** The provider account Auth.js looked up first (a first sign-in's race check), and its user. */
  accountAskedFor?: { provider: string; providerAccountId: string; user: Promise<AdapterUser | null> };
}

// Shared by every bundle of the process (route handlers, actions).
const store = processSingleton("auth-request-context", () => new AsyncLocalStorage<AuthRequestContext>());

/** Runs a route handler in a context of its own, which everything it calls can read (`authContext`). */
export function withAuthContext<R extends Request>(handler: (request: R) => Promise<Response>): (request: R) => Promise<Response> {
  return (request) => store.run({ request }, () => handler(request));
}

export function authContext(): AuthRequestContext | undefined {
  return store.getStore();
}

export function currentRequest(): Request | undefined {
  return store.getStore()?.request;
}
