import "server-only";

import { NextRequest } from "next/server";

/**
 * Auth.js builds the authorization URL from the provider's settings *and then every query
 * parameter of the sign-in request* (@auth/core getAuthorizationUrl spreads `query` last), so
 * `POST /api/auth/signin/google?redirect_uri=…&scope=…&prompt=none` would rewrite our request to
 * the provider. Our own sign-in (lib/auth-actions.ts) never sends a query, and the callback URL
 * travels in the body, so a sign-in request loses its query before Auth.js sees it.
 */
const SIGN_IN_PATH = /^\/api\/auth\/signin(\/|$)/;

export async function withoutSignInQuery(request: NextRequest): Promise<NextRequest> {
  const url = new URL(request.url);
  if (!SIGN_IN_PATH.test(url.pathname) || url.search === "") return request;
  url.search = "";
  const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
  return new NextRequest(url, { method: request.method, headers: request.headers, body });
}

export function stripSignInQuery(handler: (request: NextRequest) => Promise<Response>): (request: NextRequest) => Promise<Response> {
  return async (request) => handler(await withoutSignInQuery(request));
}
