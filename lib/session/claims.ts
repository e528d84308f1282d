import "server-only";

import { rememberedSessionPayload, verifiedSessionPayload } from "@/lib/session/token";

/**
 * Reads the claims of the session cookie (an Auth.js JWE) for lib/dal.ts: who (`sub`), which
 * session record (`sid`) and which provider.
 *
 * Why not Auth.js's `auth()`: its session object is what /api/auth/session shows the browser, and
 * the session id has no business there; and why not its `getToken()`: without a cookie it falls
 * back to an `Authorization: Bearer` header and would take a session JWE sent that way, which is
 * not a credential our API accepts.
 */

export interface SessionClaims {
  userId: string;
  sessionId: string;
  provider: string | undefined;
  /** The cookie's `exp` (seconds since the epoch): when the proxy must issue a new one. */
  expiresAt: number | undefined;
}

interface Cookie {
  name: string;
  value: string;
}

/**
 * The cookies of a raw request (Auth.js's callbacks get no `cookies()`, and lib/dal.ts reads them
 * from the request's headers too). Values are taken as sent: ours are base64url and never encoded.
 */
export function cookiesOf(headers: Headers): Cookie[] {
  const cookies: Cookie[] = [];
  for (const part of (headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    cookies.push({ name: part.slice(0, eq).trim(), value: part.slice(eq + 1).trim() });
  }
  return cookies;
}

/** Auth.js's cookie name: `__Secure-` over https (lib/security/origin.ts decides which). */
export function sessionCookieName(secure: boolean): string {
  return `${secure ? "__Secure-" : ""}authjs.session-token`;
}

/** The cookie's value, joined from Auth.js's `.0`, `.1`, … chunks when it was split. */
export function sessionCookieValue(cookies: readonly Cookie[], name: string): string | null {
  const whole = cookies.find((c) => c.name === name);
  if (whole) return whole.value;
  const chunks = cookies
    .map((c) => ({ index: c.name.startsWith(`${name}.`) ? Number(c.name.slice(name.length + 1)) : NaN, value: c.value }))
    .filter((c) => Number.isInteger(c.index) && c.index >= 0)
    .sort((a, b) => a.index - b.index);
  return chunks.length > 0 ? chunks.map((c) => c.value).join("") : null;
}

/** For code that sees a raw request: whichever of the two cookie names carries a valid session. */
export async function readRequestSessionClaims(headers: Headers, secret: string | string[]): Promise<SessionClaims | null> {
  const cookies = cookiesOf(headers);
  return (await readSessionClaims(cookies, { secret, secure: true })) ?? readSessionClaims(cookies, { secret, secure: false });
}

/**
 * The claims, or null for no cookie, a cookie that does not decrypt (tampered, another secret), an
 * expired one, or one from before session records existed (no `sid`).
 */
export async function readSessionClaims(
  cookies: readonly Cookie[],
  options: { secret: string | string[]; secure: boolean },
): Promise<SessionClaims | null> {
  const name = sessionCookieName(options.secure);
  const token = sessionCookieValue(cookies, name);
  if (!token) return null;
  let payload: Readonly<Record<string, unknown>> | null;
  try {
    // The salt is the cookie name, as Auth.js encrypts it.
    const params = { token, secret: options.secret, salt: name };
    payload = rememberedSessionPayload(params) ?? (await verifiedSessionPayload(params));
  } catch {
    return null;
  }
  const { sub, sid, provider, exp } = payload ?? {};
  if (typeof sub !== "string" || !sub || typeof sid !== "string" || !sid) return null;
  return {
    userId: sub,
    sessionId: sid,
    provider: typeof provider === "string" ? provider : undefined,
    expiresAt: typeof exp === "number" ? exp : undefined,
  };
}
