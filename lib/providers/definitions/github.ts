import { customFetch } from "@auth/core";
import GitHub from "@auth/core/providers/github";

import { clientPair } from "@/lib/config/variables";
import type { ProviderDefinition } from "@/lib/providers/definition";
import { fetchWithTimeout } from "@/lib/providers/fetch";
import { fetchGitHubUser, GITHUB_API } from "@/lib/providers/github";
import { profileFromGitHubUser } from "@/lib/providers/profile";

/**
 * GitHub (OAuth 2.0, not OpenID Connect: no ID token, no discovery, no RFC 7009 revocation; its
 * grant-deletion API is a different thing, so sign-out only forgets the token).
 * https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
 */
export const github: ProviderDefinition = {
  kind: "github",
  variables: ["AUTH_GITHUB_ID", "AUTH_GITHUB_SECRET"],
  read(source, { problems }) {
    const client = clientPair(source, "AUTH_GITHUB_ID", "AUTH_GITHUB_SECRET", problems);
    return client && { id: "github", kind: "github", name: "GitHub", mark: "github", ...client, trustEmail: false };
  },
  authjs(config) {
    return GitHub({
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      checks: ["pkce", "state"],
      // Auth.js's own request has no timeout and takes an unverified address (lib/providers/github.ts).
      userinfo: {
        url: `${GITHUB_API}/user`,
        request: ({ tokens }: { tokens: { access_token?: string } }) => fetchGitHubUser(tokens.access_token ?? "", { fetch: fetchWithTimeout }),
      },
      profile: (user) => profileFromGitHubUser(user as unknown as Record<string, unknown>),
      [customFetch]: fetchWithTimeout,
    });
  },
  profile: (claims) => profileFromGitHubUser(claims),
  userinfo: (accessToken, fetchImpl) => fetchGitHubUser(accessToken, { fetch: fetchImpl }),
  endpoints: {
    issuer: undefined,
    token: "https://github.com/login/oauth/access_token",
    userinfo: `${GITHUB_API}/user`,
    revocation: undefined,
    endSession: undefined,
    jwks: undefined,
  },
  idTokenIssuer: () => undefined,
  formActionOrigin: () => "https://github.com",
  imageOrigins: () => [],
  offersLogout: false,
};
