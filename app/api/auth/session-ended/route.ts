import { NO_STORE } from "@/lib/http/responses";
import { appOrigin } from "@/lib/security/origin";
import { verifySession } from "@/lib/dal";
import { getEnv } from "@/lib/services";
import { loginPath, safeCallbackPath } from "@/lib/auth/redirects";
import { cookiesOf } from "@/lib/session/claims";
import { hasSessionCookie, sessionCookieDeletions } from "@/lib/session/cookie";

/**
 * GET /api/auth/session-ended?callbackUrl=<path>: where lib/dal.ts's requireUser sends a browser
 * whose session cookie no longer names a valid session. The dead cookie is deleted and the browser
 * goes on to /login ("your session has ended"). A browser whose session is valid after all is sent
 * straight back, so a link to this address cannot sign anyone out.
 */
export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  const returnTo = safeCallbackPath(new URL(request.url).searchParams.get("callbackUrl"));
  const origin = appOrigin(request.headers, getEnv().authUrl);
  const headers = new Headers(NO_STORE);
  if (await verifySession()) {
    headers.set("location", new URL(returnTo, origin).href);
    return new Response(null, { status: 303, headers });
  }
  const names = cookiesOf(request.headers).map((cookie) => cookie.name);
  for (const deletion of sessionCookieDeletions(names)) headers.append("set-cookie", deletion);
  headers.set("location", new URL(loginPath(returnTo, hasSessionCookie(names) ? "session_expired" : undefined), origin).href);
  return new Response(null, { status: 303, headers });
}
