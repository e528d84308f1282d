import "server-only";

import type { NextAuthRequest, NextAuthResult } from "next-auth";
import { NextResponse, type NextFetchEvent, type NextMiddleware, type NextRequest } from "next/server";

import { unauthorizedJson } from "@/lib/api-response";
import { loginPath } from "@/lib/safe-redirect";
import { hasSessionCookie } from "@/lib/session-cookie";

/**
 * The proxy's decision for a request. Public paths are listed; everything else is protected, so
 * a new page is safe by default and odd spellings of a path (`/Dashboard`, `/%64ashboard`) fall
 * on the protected side instead of slipping through a deny-list.
 */

export type Access = "public" | "page" | "api";

const PUBLIC_PATHS = new Set(["/", "/login", "/api/health", "/favicon.ico", "/robots.txt", "/.well-known/jwks.json"]);

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

function gate(request: NextAuthRequest, _event: NextFetchEvent): Response | undefined {
  const access = classifyPath(request.nextUrl.pathname);
  if (access === "public" || request.auth?.user?.id) return undefined;
  if (access === "api" && carriesBearerCredential(request)) return undefined;
  return deny(request, access);
}

/** Wraps Auth.js's proxy helper so that any failure to evaluate the session denies (fails closed). */
export function protectRoutes(auth: NextAuthResult["auth"]) {
  // With a lazily built configuration, Auth.js hands the wrapped handler back in a promise.
  const checked: Promise<NextMiddleware> = Promise.resolve(auth(gate));
  return async function proxy(request: NextRequest, event: NextFetchEvent) {
    try {
      return await (await checked)(request, event);
    } catch (error) {
      console.error(`[proxy] could not evaluate the session, denying: ${(error as Error)?.name ?? "error"}`);
      const access = classifyPath(request.nextUrl.pathname);
      return access === "public" ? NextResponse.next() : deny(request, access);
    }
  };
}
