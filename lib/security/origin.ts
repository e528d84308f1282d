/**
 * The app's public origin, as Auth.js sees it: AUTH_URL when set (then no request header can change
 * it), otherwise the Host / X-Forwarded-Host and X-Forwarded-Proto of the request (Next.js fills
 * these in from the connection when no proxy did). It names the issuer and audience of the API's
 * bearer tokens, decides which session cookie name is ours, and is what "same origin" means for
 * POST /api/token.
 */

function firstValue(headers: Headers, name: string): string | undefined {
  return headers.get(name)?.split(",")[0]?.trim() || undefined;
}

// AUTH_URL's origin, parsed once per value (it is asked for on every authenticated request).
let configured: { url: string; origin: string } | undefined;

export function appOrigin(headers: Headers, authUrl: string | undefined): string {
  if (authUrl) {
    if (configured?.url !== authUrl) configured = { url: authUrl, origin: new URL(authUrl).origin };
    return configured.origin;
  }
  const proto = firstValue(headers, "x-forwarded-proto") === "https" ? "https" : "http";
  const host = firstValue(headers, "x-forwarded-host") ?? firstValue(headers, "host") ?? "localhost";
  try {
    return new URL(`${proto}://${host}`).origin;
  } catch {
    // A Host header that is not a host: nothing can match it.
    return "http://invalid.invalid";
  }
}

/** The audience of the API's bearer tokens (RFC 9068 §3: the resource server, not the client). */
export function apiAudience(origin: string): string {
  return `${origin}/api`;
}
