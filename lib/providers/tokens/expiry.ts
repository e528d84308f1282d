/**
 * When a stored access token is too close to its expiry to hand out.
 *
 * A token that expires "in a second" would be valid when we check and expired when the provider
 * checks it, after network latency and clock differences between us and the provider. So a token
 * is refreshed once it is within REFRESH_SKEW_SECONDS of `expires_at` (Auth.js's epoch seconds).
 */

export const REFRESH_SKEW_SECONDS = 60;

/** `expiresAt` null means the provider gave no lifetime (GitHub OAuth apps): used until refused. */
export function needsRefresh(expiresAt: number | null, nowMs: number, skewSeconds = REFRESH_SKEW_SECONDS): boolean {
  if (expiresAt === null) return false;
  return expiresAt - skewSeconds <= Math.floor(nowMs / 1000);
}

/** Epoch seconds for an `expires_in` (RFC 6749 §5.1) counted from `nowMs`; null when absent or nonsense. */
export function expiresAtFrom(expiresIn: unknown, nowMs: number): number | null {
  const seconds = typeof expiresIn === "string" && /^\d+$/.test(expiresIn) ? Number(expiresIn) : expiresIn;
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds <= 0) return null;
  return Math.floor(nowMs / 1000) + Math.floor(seconds);
}
