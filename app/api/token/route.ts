import { appAuthDeps } from "@/lib/app-auth-deps";
import { handleTokenRequest } from "@/lib/token-endpoint";

/**
 * POST /api/token → 200 {access_token, token_type: "Bearer", expires_in: 900} · 401 unauthorized
 * (no valid session cookie) · 403 forbidden (not from one of our pages). See lib/token-endpoint.ts.
 */
export function POST(request: Request): Promise<Response> {
  return handleTokenRequest(request, appAuthDeps());
}
