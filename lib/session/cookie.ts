import { loginPath } from "@/lib/auth/redirects";

/**
 * Auth.js names its session cookie `authjs.session-token` (with the `__Secure-` prefix over
 * https) and splits large values into `.0`, `.1`, ... chunks. Knowing whether one was sent lets
 * us tell "your session is no longer valid" apart from "you never signed in".
 */
const SESSION_COOKIE = /^(__Secure-)?authjs\.session-token(\.\d+)?$/;

export function isSessionCookieName(name: string): boolean {
  return SESSION_COOKIE.test(name);
}

export function hasSessionCookie(cookieNames: Iterable<string>): boolean {
  for (const name of cookieNames) if (SESSION_COOKIE.test(name)) return true;
  return false;
}

/** Set-Cookie values that delete each of these session cookies (with the attributes they were set with). */
export function sessionCookieDeletions(cookieNames: Iterable<string>): string[] {
  const deletions: string[] = [];
  for (const name of cookieNames) {
    if (!SESSION_COOKIE.test(name)) continue;
    const secure = name.startsWith("__Secure-") ? "; Secure" : "";
    deletions.push(`${name}=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax${secure}`);
  }
  return deletions;
}

/**
 * Where a page sends a browser whose session cookie no longer names a valid session (revoked,
 * idle, past its lifetime): a route handler that deletes the cookie, then /login. A page cannot
 * delete cookies itself, and a dead cookie left in place would still read as "signed in" to
 * anything that only decrypts it.
 */
export const SESSION_ENDED_PATH = "/api/auth/session-ended";

export function sessionEndedPath(returnTo?: string): string {
  const login = new URL(loginPath(returnTo), "http://x");
  const callbackUrl = login.searchParams.get("callbackUrl");
  return callbackUrl ? `${SESSION_ENDED_PATH}?${new URLSearchParams({ callbackUrl })}` : SESSION_ENDED_PATH;
}
