/**
 * Where to send someone after sign-in. `callbackUrl` comes from the query string, so it is
 * attacker-controlled: an open redirect here turns our login page into a phishing relay
 * (RFC 9700 §4.11). Only same-origin paths survive; everything else becomes the fallback.
 */

export const DEFAULT_AFTER_SIGN_IN = "/dashboard";

const MAX_LENGTH = 2048;
// A placeholder origin to resolve against: if the result lands anywhere else, the input named
// another host (`//evil.test`, `/\evil.test`, `https:evil.test`, ...), whatever its spelling.
const PROBE_ORIGIN = "http://app.invalid";

/** Paths that would loop back into the sign-in machinery instead of reaching a page. */
function isAuthMachinery(pathname: string): boolean {
  return pathname === "/login" || pathname.startsWith("/login/") || pathname.startsWith("/api/auth");
}

/**
 * Returns a path (`/x?y#z`) on our origin, or `fallback`. `appOrigin` lets absolute URLs that
 * already point at this app through (Auth.js hands us those).
 */
export function safeCallbackPath(input: unknown, options: { appOrigin?: string; fallback?: string } = {}): string {
  const fallback = options.fallback ?? DEFAULT_AFTER_SIGN_IN;
  if (typeof input !== "string" || input.length === 0 || input.length > MAX_LENGTH) return fallback;
  // Browsers strip tabs/newlines and treat `\` as `/` in URLs; refuse rather than guess.
  if (/[\u0000-\u001f\u007f\\]/.test(input)) return fallback;

  let url: URL;
  if (input.startsWith("/")) {
    if (input.startsWith("//")) return fallback;
    try {
      url = new URL(input, PROBE_ORIGIN);
    } catch {
      return fallback;
    }
    if (url.origin !== PROBE_ORIGIN) return fallback;
  } else {
    if (!options.appOrigin) return fallback;
    try {
      url = new URL(input);
    } catch {
      return fallback;
    }
    if (url.origin !== new URL(options.appOrigin).origin || url.username || url.password) return fallback;
  }

  // Percent-encoded slashes decode to `//host` in some servers and clients; a real path never needs them.
  if (/^\/(%2f|%5c)/i.test(url.pathname) || url.pathname.startsWith("//")) return fallback;
  if (isAuthMachinery(url.pathname)) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** `/login`, remembering where the person was going (already sanitised) and why they are here. */
export function loginPath(returnTo?: string, error?: string): string {
  const params = new URLSearchParams();
  if (returnTo) {
    const path = safeCallbackPath(returnTo, { fallback: "" });
    if (path) params.set("callbackUrl", path);
  }
  if (error) params.set("error", error);
  const query = params.toString();
  return query ? `/login?${query}` : "/login";
}
