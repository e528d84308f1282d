import { jsonError } from "@/lib/http/responses";
import { handleBackchannelLogout } from "@/lib/auth/backchannel-logout";
import { db, logoutTokenIssuer, now } from "@/lib/services";

/**
 * POST /api/auth/backchannel-logout: OIDC Back-Channel Logout 1.0, called by the provider (not a
 * browser: no cookie, no session). A static route beside Auth.js's catch-all, which it takes
 * precedence over; public in the proxy like the rest of /api/auth. Register
 * `<AUTH_URL>/api/auth/backchannel-logout` as the client's backchannel_logout_uri.
 */
export async function POST(request: Request): Promise<Response> {
  try {
    return await handleBackchannelLogout(request, { db, issuerFor: logoutTokenIssuer, now });
  } catch (error) {
    // The provider's keys could not be fetched, or the database failed: not the token's fault.
    console.error(`[backchannel-logout] failed: ${(error as Error)?.name ?? "error"}: ${(error as Error)?.message ?? ""}`);
    return jsonError(503, "temporarily_unavailable");
  }
}
