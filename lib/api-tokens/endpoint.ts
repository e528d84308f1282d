import "server-only";

import { issueAccessToken } from "@/lib/api-tokens/access-token";
import { jsonError, NO_STORE, unauthorizedJson } from "@/lib/http/responses";
import { apiAudience, appOrigin } from "@/lib/security/origin";
import { authenticateSession, type AuthDeps } from "@/lib/session/authenticate";
import { isSameOriginRequest } from "@/lib/security/same-origin";
import { cookiesOf } from "@/lib/session/claims";
import type { SigningKeyStore } from "@/lib/api-tokens/signing-keys";

/**
 * POST /api/token: a signed-in page asks for a short-lived bearer token to hand to a non-browser
 * client (a script, a CLI). Only the session cookie counts: a bearer token cannot mint its
 * successor, so a stolen one dies within 15 minutes. And only from our own pages: no other origin
 * can read our responses (we send no CORS headers), but minting a credential must not rest on that
 * alone, nor on the cookie being SameSite=Lax, so a request whose Origin / Sec-Fetch-Site do not
 * prove it came from one of our pages is refused (403).
 */
export async function handleTokenRequest(request: Request, deps: AuthDeps & { keys: SigningKeyStore }): Promise<Response> {
  const origin = appOrigin(request.headers, deps.authUrl);
  if (!isSameOriginRequest(request.headers, origin)) return jsonError(403, "forbidden");
  const user = await authenticateSession(deps, { headers: request.headers, cookies: cookiesOf(request.headers) });
  if (!user) return unauthorizedJson();
  const now = deps.now();
  const { token, expiresIn } = await issueAccessToken(
    await deps.keys.signingKey(now),
    { issuer: origin, audience: apiAudience(origin) },
    { userId: user.id, sessionId: user.sessionId },
    now,
  );
  // RFC 6749 §5.1's response shape, never cached.
  return Response.json(
    { access_token: token, token_type: "Bearer", expires_in: expiresIn },
    { headers: { ...NO_STORE, Pragma: "no-cache" } },
  );
}
