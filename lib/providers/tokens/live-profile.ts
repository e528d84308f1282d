import "server-only";

import type { ProviderClient } from "@/lib/providers/client";
import { isAccessTokenRejected, isNotConnected, isProviderUnavailable, isReconnectRequired } from "@/lib/providers/errors";
import { ProfileError, type StoredProfile } from "@/lib/providers/profile";
import type { ProviderTokenService } from "@/lib/providers/tokens/refresh";

/**
 * What the provider says about the person right now, read from its userinfo endpoint with their
 * stored access token: a real feature that needs a valid token, so it exercises the refresh path.
 */

export type LiveProfileResult =
  | { status: "ok"; provider: string; profile: StoredProfile }
  | { status: "reconnect_required"; provider: string }
  | { status: "provider_unavailable"; provider: string }
  | { status: "not_connected"; provider: string }
  /** The provider publishes no profile to read after sign-in (Apple: the ID token is all it says). */
  | { status: "not_offered"; provider: string };

export interface LiveProfileDeps {
  /** The documented way server code gets a person's access token (ProviderTokens.accessToken, lib/providers/tokens/service.ts). */
  accessToken: ProviderTokenService["getAccessToken"];
  client: (provider: string) => ProviderClient | undefined;
  log?: Pick<Console, "warn">;
}

function toProfile(client: ProviderClient, claims: Record<string, unknown>, subject: string): StoredProfile {
  const profile = client.config.profile(claims);
  // OIDC Core §5.3.2: userinfo about anyone but the account's subject is a substituted token.
  if (profile.id !== subject) throw new ProfileError("userinfo is about another subject");
  return profile;
}

export async function loadLiveProviderProfile(deps: LiveProfileDeps, userId: string, provider: string): Promise<LiveProfileResult> {
  const log = deps.log ?? console;
  const client = deps.client(provider);
  if (!client) return { status: "not_connected", provider };
  // Known without a token or a request: no refresh is spent on an endpoint that does not exist.
  if (client.config.endpoints && !client.config.endpoints.userinfo && !client.config.userinfo) return { status: "not_offered", provider };
  try {
    let token = await deps.accessToken(userId, provider);
    let claims: Record<string, unknown>;
    try {
      claims = await client.userinfo(token.value);
    } catch (error) {
      if (!isAccessTokenRejected(error)) throw error;
      // Revoked or expired early at the provider although our clock says it is still valid: one
      // refresh (shared with any concurrent caller), one more try, and no further retries.
      token = await deps.accessToken(userId, provider, { rejected: token.value });
      claims = await client.userinfo(token.value);
    }
    return { status: "ok", provider, profile: toProfile(client, claims, token.providerAccountId) };
  } catch (error) {
    if (isReconnectRequired(error)) return { status: "reconnect_required", provider };
    if (isNotConnected(error)) return { status: "not_connected", provider };
    if (isProviderUnavailable(error) || isAccessTokenRejected(error) || error instanceof ProfileError) {
      log.warn(`[provider-profile] ${provider}: ${error.name}: ${error.message}`);
      return { status: "provider_unavailable", provider };
    }
    throw error;
  }
}
