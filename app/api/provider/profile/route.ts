import { apiCallerRefused, jsonError, NO_STORE } from "@/lib/http/responses";
import { apiRoute } from "@/lib/http/api-route";
import { verifyApiCaller } from "@/lib/dal";
import { providerTokens } from "@/lib/services";

/**
 * GET /api/provider/profile: what the session's provider says about the person right now, read
 * from its userinfo endpoint with their stored (and, when due, refreshed) access token.
 *
 * With the session cookie or `Authorization: Bearer <token from POST /api/token>`.
 *
 * 200 {provider, profile} · 401 unauthorized / invalid_token · 404 not_connected, or not_offered (the
 * provider has no profile endpoint: Apple) · 409 reconnect_required (the grant was revoked: sign in with
 * the provider again) · 503 provider_unavailable (try again).
 */
export const GET = apiRoute(async () => {
  const caller = await verifyApiCaller();
  if (!caller.ok) return apiCallerRefused(caller);
  const { user } = caller;
  if (!user.provider) return jsonError(404, "not_connected");
  const result = await (await providerTokens()).liveProfile(user.id, user.provider);
  switch (result.status) {
    case "ok": {
      const { id, name, email, image } = result.profile;
      return Response.json({ provider: result.provider, profile: { sub: id, name, email, picture: image } }, { headers: NO_STORE });
    }
    case "reconnect_required":
      return jsonError(409, "reconnect_required");
    case "provider_unavailable":
      return jsonError(503, "provider_unavailable", { "Retry-After": "30" });
    case "not_connected":
      return jsonError(404, "not_connected");
    case "not_offered":
      return jsonError(404, "not_offered");
  }
});
