import "server-only";

import type { NextAuthRequest, NextAuthResult } from "next-auth";
import { NextRequest, NextResponse, type NextFetchEvent, type NextMiddleware } from "next/server";

import { jsonError, unauthorizedJson } from "@/lib/http/responses";
import { appOrigin } from "@/lib/security/origin";
import { databaseAvailable, databaseSuspected, RETRY_AFTER_SECONDS } from "@/lib/db/availability";
import { getEnv } from "@/lib/config/env";
import { PUBLIC_PATHS } from "@/lib/security/public-paths";
import { pageBodyRefusal } from "@/lib/security/request-body";
import { loginPath } from "@/lib/auth/redirects";
import { isCrossSiteWrite } from "@/lib/security/same-origin";
import { createNonce, pageContentSecurityPolicy } from "@/lib/security/headers";
import { hasSessionCookie } from "@/lib/session/cookie";
import {
  appSessionCookieOptions,
  checkSessionCookie,
  type SessionCookieCheck,
  type SessionCookieOptions,
} from "@/lib/session/cookie-check";

/**
 * The proxy's decision for a request. Public paths are listed; everything else is protected, so
 * a new page is safe by default and odd spellings of a path (`/Dashboard`, `/%64ashboard`) fall
 * on the protected side instead of slipping through a deny-list. proxy.ts's matcher keeps `/api/`
 * away from the proxy (route handlers are their own gate); the "api" answers below still hold for
 * `/api` itself and for a deployment that widens the matcher.
 */

export type Access = "public" | "page" | "api";

export function classifyPath(pathname: string): Access {
  if (PUBLIC_PATHS.has(pathname) || pathname.startsWith("/api/auth/")) return "public";
  if (pathname === "/api" || pathname.startsWith("/api/")) return "api";
  return "page";
}

function deny(request: NextRequest, access: Exclude<Access, "public">): Response {
  // An API client wants a status it can act on, never an HTML login page (or a redirect to one).
  if (access === "api") return unauthorizedJson();
  const expired = hasSessionCookie(request.cookies.getAll().map((c) => c.name));
  const returnTo = `${request.nextUrl.pathname}${request.nextUrl.search}`;
  return NextResponse.redirect(new URL(loginPath(returnTo, expired ? "session_expired" : undefined), request.url));
}

/**
 * An API request with an `Authorization` header goes on to its route handler, which verifies the
 * bearer token and its session record (lib/dal.ts `verifyApiCaller`) and answers 401 invalid_token
 * itself. The proxy does not check the token: that needs the signing keys, which live in the
 * database, and the proxy stays database-free. No protection is lost, because the proxy was never
 * the gate: every route handler authenticates its caller itself (proven by the no-proxy e2e build).
 */
export function carriesBearerCredential(request: Request): boolean {
  return request.headers.has("authorization");
}

const crossSiteRefused = () => jsonError(403, "cross_site_request");

/** The Content-Security-Policy of one page response, given its fresh nonce. */
export type PagePolicy = (nonce: string) => string;

const appPagePolicy: PagePolicy = (nonce) => pageContentSecurityPolicy({ nonce, env: getEnv() });

function servesPages(pathname: string): boolean {
  // JSON and redirects get next.config.mjs's allow-nothing policy instead.
  return !(pathname === "/api" || pathname.startsWith("/api/") || pathname.startsWith("/.well-known/"));
}

/**
 * Lets the request through. A page gets a fresh nonce: in the CSP header of the request, where
 * Next.js reads it to stamp its own scripts, and in the response's, where the browser enforces it.
 */
function pass(request: NextRequest, policy: PagePolicy): NextResponse {
  if (!servesPages(request.nextUrl.pathname)) return NextResponse.next();
  const csp = policy(createNonce());
  const headers = new Headers(request.headers);
  headers.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("Content-Security-Policy", csp);
  return response;
}

/**
 * A protected page while the database cannot be reached (lib/db/availability.ts): the app's own
 * "briefly unavailable" page, status 503 with Retry-After, at the address that was asked for.
 */
function unavailable(request: NextRequest, policy: PagePolicy): NextResponse {
  const csp = policy(createNonce());
  const headers = new Headers(request.headers);
  headers.set("content-security-policy", csp);
  const response = NextResponse.rewrite(new URL("/unavailable", request.url), {
    request: { headers },
    status: 503,
    headers: { "Retry-After": String(RETRY_AFTER_SECONDS), "Cache-Control": "no-store" },
  });
  response.headers.set("Content-Security-Policy", csp);
  return response;
}

function gateWith(policy: PagePolicy) {
  return function gate(request: NextAuthRequest, _event: NextFetchEvent): Response {
    const access = classifyPath(request.nextUrl.pathname);
    if (access === "public" || request.auth?.user?.id) return pass(request, policy);
    if (access === "api" && carriesBearerCredential(request)) return pass(request, policy);
    return deny(request, access);
  };
}

/**
 * The request as Auth.js's helper hands it to the gate: `auth` set, and the URL on AUTH_URL's
 * origin when that is set (so a redirect to /login goes to the public origin, as before).
 */
function asAuthRequest(
  request: NextRequest,
  cookie: Exclude<SessionCookieCheck, { state: "needs-authjs" }>,
  authUrl: string | undefined,
): NextAuthRequest {
  const origin = authUrl ? new URL(authUrl).origin : undefined;
  const target = (
    origin && origin !== request.nextUrl.origin
      ? new NextRequest(request.nextUrl.href.replace(request.nextUrl.origin, origin), request)
      : request
  ) as NextAuthRequest;
  target.auth =
    cookie.state === "current" ? { user: { id: cookie.userId }, expires: new Date(cookie.expiresAt * 1000).toISOString() } : null;
  return target;
}

/**
 * Wraps Auth.js's proxy helper so that any failure to evaluate the session denies (fails closed).
 * Auth.js sees only the requests whose session cookie needs it (lib/session/cookie-check.ts):
 * it would otherwise re-encrypt and re-set the cookie on every response.
 */
export function protectRoutes(
  auth: NextAuthResult["auth"],
  policy: PagePolicy = appPagePolicy,
  sessionCookieOptions: () => SessionCookieOptions = appSessionCookieOptions,
) {
  const gate = gateWith(policy);
  // With a lazily built configuration, Auth.js hands the wrapped handler back in a promise.
  const checked: Promise<NextMiddleware> = Promise.resolve(auth(gate));
  return async function proxy(request: NextRequest, event: NextFetchEvent) {
    try {
      const oversized = pageBodyRefusal(request.method, request.headers);
      if (oversized) return oversized;
      if (isCrossSiteWrite(request.method, request.headers, appOrigin(request.headers, getEnv().authUrl))) return crossSiteRefused();
      // Free unless an outage is suspected; then one shared probe tells whether it is over.
      if (databaseSuspected() && classifyPath(request.nextUrl.pathname) === "page" && !(await databaseAvailable()))
        return unavailable(request, policy);
      const options = sessionCookieOptions();
      const cookie = await checkSessionCookie(request, options);
      if (cookie.state !== "needs-authjs") return gate(asAuthRequest(request, cookie, options.authUrl), event);
      return await (
        await checked
      )(request, event);
    } catch (error) {
      console.error(`[proxy] could not evaluate the session, denying: ${(error as Error)?.name ?? "error"}`);
      const access = classifyPath(request.nextUrl.pathname);
      // A configuration that cannot be read fails closed too: no page without its policy.
      try {
        return access === "public" ? pass(request, policy) : deny(request, access);
      } catch {
        return new NextResponse("Service unavailable", { status: 503 });
      }
    }
  };
}
