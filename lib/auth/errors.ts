import "server-only";

import { authContext } from "@/lib/auth/request-context";
import { jsonError } from "@/lib/http/responses";
import { isDatabaseUnavailable, reportDatabaseError } from "@/lib/db/availability";

/**
 * Sign-in failures, in words people understand.
 *
 * Auth.js reports most callback failures as `?error=Configuration`: a cancelled sign-in, a forged
 * `state` and an unreachable provider all look alike. We keep the error Auth.js logs for the
 * current request, classify it, and put our own code in the redirect to /login. Only codes from
 * this fixed list ever reach the page, so nothing a provider or attacker sends is echoed back.
 */

/**
 * Also what a sign-in whose email already belongs to another user gets: saying "that address has an
 * account here" would tell anyone with a provider account the address is registered. Joining the
 * two is never done silently (an address at one provider does not prove ownership of the account
 * another provider opened): the person signs in the way they did before and links from Settings.
 */
const GENERIC_FAILURE =
  "We couldn't sign you in. Please try again. If you already have an account here, sign in the way you did before; you can add other ways to sign in from Settings.";

export const SIGN_IN_ERRORS = {
  access_denied: "Sign-in was cancelled, so you are not signed in. You can try again whenever you like.",
  provider_error: "The sign-in provider reported a problem and did not sign you in. Please try again.",
  provider_unreachable: "We couldn't reach the sign-in provider. Please try again in a moment.",
  state_mismatch: "This sign-in attempt expired or was started in another tab or browser, so we stopped it. Please start again.",
  invalid_response: "We couldn't verify the sign-in provider's answer, so we didn't sign you in. Please try again.",
  // Never used for new redirects (they say signin_failed, below); kept so old links still read well.
  account_not_linked: GENERIC_FAILURE,
  provider_account_mismatch:
    "You came back signed in to the provider as someone else than the account linked here, so nothing was changed. Reconnect with the account you used before.",
  session_expired: "Your session has ended or is no longer valid. Please sign in again.",
  link_not_requested:
    "You are already signed in, so nothing was changed. To add another way to sign in, use Link on the Linked accounts page.",
  account_not_allowed:
    "This app only accepts accounts from certain organisations, and the account you chose is not one of them. Try again with another account.",
  rate_limited: "Too many attempts. Please wait a moment, then try again.",
  unavailable: "The service is briefly unavailable, so you are not signed in. Nothing is lost; please try again in a moment.",
  signin_failed: GENERIC_FAILURE,
} as const;

export type SignInErrorCode = keyof typeof SIGN_IN_ERRORS;

/**
 * A signed-in person (reconnecting a provider) came back from the provider as a different account
 * than the one of theirs already linked there. Linking it would attach somebody else's provider
 * account to this person; lib/auth/adapter.ts refuses instead.
 */
export class ProviderAccountMismatchError extends Error {
  override name = "ProviderAccountMismatchError";
  constructor(readonly provider: string) {
    super(`a different ${provider} account is already linked to this user`);
  }
}

/**
 * A signed-in person came back from a provider with an account that is linked to nobody, but they
 * never asked to link one (they pressed a sign-in button, not "Link" on /settings/accounts).
 * Auth.js would attach it to whoever is signed in in this browser, which on a shared computer is
 * somebody else's account; lib/auth/adapter.ts refuses instead.
 */
export class LinkNotRequestedError extends Error {
  override name = "LinkNotRequestedError";
  constructor(readonly provider: string) {
    super(`linking ${provider} was not requested from this session`);
  }
}

/**
 * Auth.js decided "signed in, so link" from the session cookie alone; the session record behind
 * it is revoked, idle or expired (a stolen or stale cookie), so nothing is linked.
 */
export class LinkSessionInvalidError extends Error {
  override name = "LinkSessionInvalidError";
  constructor() {
    super("the session that would receive the linked account is no longer valid");
  }
}

// Codes Auth.js itself may put in `?error=` (on its own redirects, or a hand-typed URL).
const AUTHJS_CODES: Record<string, SignInErrorCode> = {
  AccessDenied: "access_denied",
  OAuthCallbackError: "provider_error",
  OAuthAccountNotLinked: "signin_failed",
  AccountNotLinked: "signin_failed",
};

/** Reads `?error=` for display; anything unknown becomes the generic message. */
export function signInErrorFromQuery(raw: string | string[] | undefined): SignInErrorCode | null {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) return null;
  if (Object.hasOwn(SIGN_IN_ERRORS, value)) return value as SignInErrorCode;
  return Object.hasOwn(AUTHJS_CODES, value) ? AUTHJS_CODES[value]! : "signin_failed";
}

function* causeChain(error: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current);
    yield current;
    const cause = (current as { cause?: unknown }).cause;
    // Auth.js wraps the original error as `cause.err` on some error types.
    current = cause && typeof cause === "object" && "err" in cause ? (cause as { err: unknown }).err : cause;
  }
}

const NETWORK_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_SOCKET",
]);

/**
 * Maps whatever Auth.js (or oauth4webapi, or fetch) threw to one of our codes. `providerError` is
 * the `error` parameter of the callback URL: Auth.js drops it from the error it throws, and it is
 * the only way to tell "the person pressed Cancel" (`access_denied`, RFC 6749 §4.1.2.1) from a
 * provider fault. It is only trusted once Auth.js has checked `state`, which it does first.
 */
export function signInErrorCode(error: unknown, providerError?: string | null): SignInErrorCode {
  // Auth.js wraps anything our callbacks and provider requests throw (in AccessDenied, which would
  // read as "you cancelled", or CallbackRouteError): look down the chain for what really happened.
  // A provider that timed out or could not be reached, at any step, is "try again in a moment".
  if (isDatabaseUnavailable(error)) return "unavailable";
  for (const e of causeChain(error)) {
    if (isUnreachable(e)) return "provider_unreachable";
  }
  for (const e of causeChain(error)) {
    const name = (e as { name?: string } | null)?.name;
    if (name === "IdTokenRejectedError" || name === "DiscoveryError" || name === "KeySetError") return "invalid_response";
    // Thrown from the signIn callback, which Auth.js wraps in AccessDenied ("you cancelled").
    if (name === "AccountNotAllowedError") return "account_not_allowed";
  }
  for (const e of causeChain(error)) {
    if (typeof e !== "object" || e === null) continue;
    const { name, message, code, type } = e as { name?: string; message?: string; code?: string; type?: string };

    // Apple says `user_cancelled_authorize` where RFC 6749 says `access_denied`.
    if (type === "OAuthCallbackError")
      return providerError === "access_denied" || providerError === "user_cancelled_authorize" ? "access_denied" : "provider_error";
    if (type === "OAuthAccountNotLinked" || type === "AccountNotLinked") return "signin_failed";
    if (name === "ProviderAccountMismatchError") return "provider_account_mismatch";
    if (name === "LinkNotRequestedError") return "link_not_requested";
    if (name === "LinkSessionInvalidError") return "session_expired";
    if (type === "AccessDenied") return "access_denied";
    // The state/PKCE/nonce cookie is missing, expired or does not match: a stale tab, another
    // browser, or a forged callback (RFC 9700 §4.7).
    if (type === "InvalidCheck") return "state_mismatch";
    // oauth4webapi's errors, known by their `code` (OAUTH_…): a production build minifies class names.
    const oauthCode = typeof code === "string" && code.startsWith("OAUTH_") ? code : undefined;
    if (oauthCode && typeof message === "string" && message.includes('"state"')) return "state_mismatch";
    // An error response from the token endpoint (RFC 6749 §5.2): a spent or replayed code, a refused client.
    if (oauthCode === "OAUTH_RESPONSE_BODY_ERROR") return "invalid_response";
    // A 5xx or non-JSON answer from discovery / the token endpoint is the provider failing.
    if (oauthCode === "OAUTH_RESPONSE_IS_NOT_CONFORM" || oauthCode === "OAUTH_RESPONSE_IS_NOT_JSON") return "provider_unreachable";
    if (oauthCode) return "invalid_response";
  }
  return "signin_failed";
}

/** A timeout, a refused connection or a provider that answered with a failure (lib/providers/errors.ts). */
function isUnreachable(e: unknown): boolean {
  if (typeof e !== "object" || e === null) return false;
  const { name, message, code } = e as { name?: string; message?: string; code?: unknown };
  if (name === "TimeoutError" || name === "AbortError" || name === "ProviderUnavailableError") return true;
  if (typeof code === "string" && NETWORK_ERROR_CODES.has(code)) return true;
  return name === "TypeError" && message === "fetch failed";
}

/** One log line: error names and messages down the cause chain, never objects, stacks or bodies. */
export function describeAuthError(error: unknown): string {
  const parts: string[] = [];
  for (const e of causeChain(error)) {
    if (e instanceof Error) {
      const type = (e as { type?: string }).type;
      parts.push(`${type ?? e.name}: ${e.message.split("\n")[0]}`);
    }
    if (parts.length >= 4) break;
  }
  // Provider-supplied text can end up in messages; keep the line a single line.
  return (parts.length ? parts.join(" <- ") : String(error)).replace(/[\r\n]+/g, " ").slice(0, 500);
}

/** Called from the Auth.js logger: remembers the first error of the request being handled. */
export function recordAuthError(error: unknown): void {
  const context = authContext();
  if (context && context.error === undefined) context.error = error;
}

const CALLBACK_PATH = /\/api\/auth\/callback\//;

/**
 * The `error` the provider sent to the callback: in the query, or for `response_mode=form_post`
 * (Apple) in the POSTed form, read from a copy before Auth.js reads the body (its size is already
 * bounded by lib/security/request-body.ts).
 */
async function callbackErrorParameter(request: Request): Promise<string | null> {
  const fromQuery = new URL(request.url).searchParams.get("error");
  if (fromQuery !== null || request.method !== "POST" || !CALLBACK_PATH.test(new URL(request.url).pathname)) return fromQuery;
  if (!request.headers.get("content-type")?.startsWith("application/x-www-form-urlencoded")) return null;
  try {
    const value = new URLSearchParams(await request.clone().text()).get("error");
    return value === null ? null : value.slice(0, 64);
  } catch {
    return null;
  }
}

/** Told about every sign-in that ended on /login?error=…: which request, and our code for it. */
export type SignInFailureListener = (request: Request, code: SignInErrorCode) => Promise<void>;

/**
 * Wraps an Auth.js route handler, inside its request's context (lib/auth/request-context.ts), so that its redirects to `/login?error=...` carry our precise code,
 * and tells `onFailure` (sign-in activity, lib/auth/activity.ts) about each one. A listener that
 * fails is logged and never changes the response.
 */
export function withSignInErrorCodes<R extends Request>(
  handler: (request: R) => Promise<Response>,
  options: { onFailure?: SignInFailureListener } = {},
): (request: R) => Promise<Response> {
  return async (request) => {
    const providerError = await callbackErrorParameter(request);
    const response = await handler(request);
    const error = authContext()?.error;
    const location = response.headers.get("location");
    // Auth.js answers a failed session read by deleting the cookie: an outage must not sign anyone out.
    if (!location && error !== undefined && reportDatabaseError(error)) return jsonError(503, "unavailable", { "Retry-After": "5" });
    if (!location) return response;
    // Auth.js's own error endpoint (/api/auth/error?error=…) answers with a relative Location.
    const url = new URL(location, request.url);
    // A profile Auth.js could not read (a userinfo request that failed, a profile without a
    // subject) is logged and answered with a bare redirect to its sign-in page, which would show
    // the person no reason: it is a failed callback like any other.
    const unreadProfile = error !== undefined && url.pathname === "/api/auth/signin" && CALLBACK_PATH.test(new URL(request.url).pathname);
    if (unreadProfile) url.pathname = "/login";
    else if (url.pathname !== "/login" || !url.searchParams.has("error")) return response;
    const code: SignInErrorCode =
      error === undefined
        ? (signInErrorFromQuery(url.searchParams.get("error") ?? undefined) ?? "signin_failed")
        : signInErrorCode(error, providerError);
    // Only our own code travels on, never the text that came in.
    url.search = new URLSearchParams({ error: code }).toString();
    const headers = new Headers(response.headers);
    headers.set("location", url.toString());
    const rewritten = new Response(null, { status: response.status, headers });
    if (options.onFailure) {
      await options.onFailure(request, code).catch((error: unknown) => {
        console.warn(`[auth] could not record a failed sign-in: ${(error as Error)?.name ?? "error"}`);
      });
    }
    return rewritten;
  };
}
