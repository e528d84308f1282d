import "server-only";

import { NextRequest } from "next/server";

/**
 * What an /api/auth request may carry into Auth.js. Two kinds of input are taken away first:
 *
 * - The query of a sign-in request. Auth.js builds the authorization URL from the provider's
 *   settings *and then every query parameter of the sign-in request* (@auth/core
 *   getAuthorizationUrl spreads `query` last), so `POST /api/auth/signin/google?redirect_uri=…
 *   &scope=…&prompt=none` would rewrite our request to the provider. Our own sign-in
 *   (lib/auth/sign-in.ts) never sends a query, and the callback URL travels in the body.
 * - A callback URL, in the query or the `authjs.callback-url` cookie, that is not an http(s) URL.
 *   Auth.js answers every request carrying one with a 500 "server configuration" error, so a
 *   cookie planted by a sibling subdomain (or a link with `?callbackUrl=javascript:…`) would lock
 *   the browser out of signing in. Dropped, the default applies; a valid one still goes through
 *   our redirect callback (lib/auth/redirects.ts), which keeps it on our origin.
 */
const SIGN_IN_PATH = /^\/api\/auth\/signin(\/|$)/;
const CALLBACK_URL_COOKIE = /^(__Secure-)?authjs\.callback-url$/;

/** Auth.js's own test (@auth/core assertConfig), so what we keep is exactly what it accepts. */
export function isHttpCallbackUrl(value: string, origin: string): boolean {
  try {
    return /^https?:$/.test(new URL(value, value.startsWith("/") ? origin : undefined).protocol);
  } catch {
    return false;
  }
}

function decoded(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

function usableCookies(header: string, origin: string): string {
  return header
    .split(/;\s*/)
    .filter((pair) => {
      const at = pair.indexOf("=");
      if (at < 0 || !CALLBACK_URL_COOKIE.test(pair.slice(0, at).trim())) return true;
      const value = decoded(pair.slice(at + 1));
      return value !== null && isHttpCallbackUrl(value, origin);
    })
    .join("; ");
}

export async function guardedAuthRequest(request: NextRequest): Promise<NextRequest> {
  const url = new URL(request.url);
  if (SIGN_IN_PATH.test(url.pathname)) url.search = "";
  const callbackUrl = url.searchParams.get("callbackUrl");
  if (callbackUrl !== null && !isHttpCallbackUrl(callbackUrl, url.origin)) url.searchParams.delete("callbackUrl");

  const cookieHeader = request.headers.get("cookie");
  const cookies = cookieHeader === null ? null : usableCookies(cookieHeader, url.origin);
  if (url.href === request.url && cookies === cookieHeader) return request;

  const headers = new Headers(request.headers);
  if (cookies !== null) headers.set("cookie", cookies);
  const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
  return new NextRequest(url, { method: request.method, headers, body });
}

export function guardAuthRequests(handler: (request: NextRequest) => Promise<Response>): (request: NextRequest) => Promise<Response> {
  return async (request) => handler(await guardedAuthRequest(request));
}
