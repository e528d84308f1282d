/**
 * Auth.js names its session cookie `authjs.session-token` (with the `__Secure-` prefix over
 * https) and splits large values into `.0`, `.1`, ... chunks. Knowing whether one was sent lets
 * us tell "your session is no longer valid" apart from "you never signed in".
 */
const SESSION_COOKIE = /^(__Secure-)?authjs\.session-token(\.\d+)?$/;

export function hasSessionCookie(cookieNames: Iterable<string>): boolean {
  for (const name of cookieNames) if (SESSION_COOKIE.test(name)) return true;
  return false;
}
