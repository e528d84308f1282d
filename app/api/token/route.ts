import { apiRoute } from "@/lib/http/api-route";
import { sessionChecks, signingKeys } from "@/lib/services";
import { withBodyLimit } from "@/lib/security/request-body";
import { handleTokenRequest } from "@/lib/api-tokens/endpoint";

/**
 * POST /api/token → 200 {access_token, token_type: "Bearer", expires_in: 900} · 401 unauthorized
 * (no valid session cookie) · 403 forbidden (not from one of our pages) · 413 a body over the
 * limit. See lib/api-tokens/endpoint.ts.
 */
export const POST = apiRoute(
  withBodyLimit(async (request) => handleTokenRequest(request, { ...(await sessionChecks()), keys: await signingKeys() })),
);
