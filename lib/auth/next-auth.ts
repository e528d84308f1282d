import "server-only";

import NextAuth, { type NextAuthConfig } from "next-auth";
import type { NextRequest } from "next/server";

import { withSignInErrorCodes } from "@/lib/auth/errors";
import { withAuthRateLimits } from "@/lib/security/rate-limits/apply";
import { guardAuthRequests } from "@/lib/auth/request-guards";

import { failedSignInRecorder, failureListener, withDatabase, type FailedSignIn } from "@/lib/auth/with-database";
import { authConfig } from "@/lib/auth/config";
import { providerOfAuthRequest, prepareProvider, withKnownIssuers } from "@/lib/providers/registry";
import { withBodyLimit } from "@/lib/security/request-body";
import { appOrigin } from "@/lib/security/origin";
import { withFormPostRelay } from "@/lib/auth/form-post-relay";
import { withAuthContext } from "@/lib/auth/request-context";
import { db, getEnv, now, rateLimits, tokenKeyring } from "@/lib/services";

/**
 * Auth.js for the route handler, server components and server actions: the proxy's
 * configuration plus the database (users, linked provider accounts and their encrypted tokens,
 * session records). The session itself stays a JWT cookie; lib/dal.ts checks its record.
 *
 * OpenID providers are handed to Auth.js under the issuer they publish, discovered before a sign-in
 * starts or a callback is handled (lib/providers/authjs.ts `withKnownIssuers`).
 */
let config: NextAuthConfig | undefined;

function sessionOptions() {
  const { sessionPolicy, trustedProxyHops } = getEnv();
  return { policy: sessionPolicy, now, proxyHops: trustedProxyHops };
}

export const { handlers, auth, signIn, signOut } = NextAuth(async (request) => {
  const env = getEnv();
  const provider = request ? providerOfAuthRequest(request) : undefined;
  if (provider) await prepareProvider(env, provider);
  return withKnownIssuers((config ??= withDatabase(authConfig(), db, tokenKeyring, sessionOptions())), env);
});

let recorder: ((failure: FailedSignIn) => Promise<void>) | undefined;

/** Sign-in activity for a failed sign-in (lib/auth/activity.ts); never throws. */
export async function recordFailedSignIn(failure: FailedSignIn): Promise<void> {
  try {
    await (recorder ??= failedSignInRecorder(authConfig(), db, sessionOptions()))(failure);
  } catch (error) {
    console.warn(`[auth] could not record a failed sign-in: ${(error as Error)?.name ?? "error"}`);
  }
}

/** The same, for the Auth.js route handler's `withSignInErrorCodes`. */
export const onFailedSignIn = failureListener(recordFailedSignIn);

/**
 * Auth.js's route handler (/api/auth/*) as the app serves it, outermost first: a body over the
 * limit is refused 413 before anything reads it; a provider's cross-site form_post callback is
 * relayed to a same-site GET that carries the browser's cookies; sign-in starts and callbacks over their rate limit
 * are answered 429 before Auth.js does any work; a sign-in's query and an unusable callback URL are
 * dropped; the request is kept for Auth.js's callbacks; failures get our own error codes and are
 * recorded as sign-in activity.
 */
export function authRoute(handler: (request: NextRequest) => Promise<Response>): (request: NextRequest) => Promise<Response> {
  const inner = withAuthRateLimits(
    guardAuthRequests(withAuthContext(withSignInErrorCodes(handler, { onFailure: onFailedSignIn }))),
    rateLimits,
  );
  return withBodyLimit(withFormPostRelay(inner, isHttps));
}

function isHttps(request: NextRequest): boolean {
  return appOrigin(request.headers, getEnv().authUrl).startsWith("https:");
}
