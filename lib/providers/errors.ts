/**
 * What can go wrong when the server talks to a provider with a person's tokens, as the few
 * outcomes the pages and the API act on. Messages name the provider and the kind of failure,
 * never a token or a provider's response body.
 *
 * Recognise them with the `is…` guards below, not `instanceof`: Next.js bundles pages, route
 * handlers and actions separately, so one process can hold several copies of these classes, and
 * the in-flight refreshes are shared per process (lib/providers/tokens/service.ts). An error made by one
 * copy fails `instanceof` against another; its `name` (a string literal, so minification keeps it)
 * does not.
 */

function guard<T extends Error>(name: string): (error: unknown) => error is T {
  return (error: unknown): error is T => error instanceof Error && error.name === name;
}

/** The provider did not answer usefully (down, slow, 5xx, garbage): try again later; nothing was changed. */
export class ProviderUnavailableError extends Error {
  override name = "ProviderUnavailableError";
  constructor(
    readonly provider: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${provider}: ${detail}`, options);
  }
}

/** The token endpoint refused the refresh token (RFC 6749 §5.2 `invalid_grant`): revoked or expired. */
export class InvalidGrantError extends Error {
  override name = "InvalidGrantError";
  constructor(readonly provider: string) {
    super(`${provider}: the refresh token was refused (invalid_grant)`);
  }
}

/** A resource (userinfo) refused the access token (RFC 6750 §3.1 `invalid_token`). */
export class AccessTokenRejectedError extends Error {
  override name = "AccessTokenRejectedError";
  constructor(readonly provider: string) {
    super(`${provider}: the access token was refused`);
  }
}

export type ReconnectReason = "invalid_grant" | "no_refresh_token" | "undecryptable" | "signed_out";

/** The stored grant is gone: only the person can fix it, by signing in with the provider again. */
export class ReconnectRequiredError extends Error {
  override name = "ReconnectRequiredError";
  constructor(
    readonly provider: string,
    readonly reason: ReconnectReason | string,
  ) {
    super(`${provider}: reconnect required (${reason})`);
  }
}

/** This person has no account at that provider linked at all. */
export class NotConnectedError extends Error {
  override name = "NotConnectedError";
  constructor(readonly provider: string) {
    super(`${provider}: no linked account`);
  }
}

/**
 * The provider vouched for the person, but the operator admits only some of its accounts (a Google
 * Workspace domain, GitHub organisations, Entra tenants). `detail` is for the log only: the
 * person is told no more than that this account may not sign in here.
 */
export class AccountNotAllowedError extends Error {
  override name = "AccountNotAllowedError";
  constructor(
    readonly provider: string,
    detail: string,
  ) {
    super(`${provider}: account not allowed (${detail})`);
  }
}

export const isProviderUnavailable = guard<ProviderUnavailableError>("ProviderUnavailableError");
export const isInvalidGrant = guard<InvalidGrantError>("InvalidGrantError");
export const isAccessTokenRejected = guard<AccessTokenRejectedError>("AccessTokenRejectedError");
export const isReconnectRequired = guard<ReconnectRequiredError>("ReconnectRequiredError");
export const isNotConnected = guard<NotConnectedError>("NotConnectedError");
