import { customFetch } from "@auth/core";
import GitHub from "@auth/core/providers/github";

import { clientPair, value } from "@/lib/config/variables";
import type { ProviderConfig, ProviderDefinition } from "@/lib/providers/definition";
import { AccessTokenRejectedError, AccountNotAllowedError, ProviderUnavailableError } from "@/lib/providers/errors";
import { fetchWithTimeout } from "@/lib/providers/fetch";
import { profileFromGitHubUser } from "@/lib/providers/profile";

/**
 * GitHub's profile of a person, read with their access token: `GET /user`, and the address from
 * `GET /user/emails`. GitHub is plain OAuth 2.0 (no ID token, no `email_verified` claim), and
 * `/user`'s `email` is only the public profile address, so the address we may store comes from the
 * emails API and only when GitHub marks it `verified` (the primary one first). Without the
 * `user:email` scope, or with no verified address, there is none.
 *
 * Used by the sign-in (Auth.js's userinfo request, below) and by server code reading the profile
 * later (lib/providers/client.ts), both with the 5-second provider timeout.
 * https://docs.github.com/en/rest/users/users#get-the-authenticated-user
 * https://docs.github.com/en/rest/users/emails#list-email-addresses-for-the-authenticated-user
 */

export const GITHUB_API = "https://api.github.com";

interface GitHubEmail {
  email?: unknown;
  primary?: unknown;
  verified?: unknown;
}

/** The primary address if verified, else the first verified one, else null. */
export function verifiedGitHubEmail(emails: unknown): string | null {
  if (!Array.isArray(emails)) return null;
  const verified = (emails as GitHubEmail[]).filter((e) => e && e.verified === true && typeof e.email === "string");
  const chosen = verified.find((e) => e.primary === true) ?? verified[0];
  return chosen ? (chosen.email as string) : null;
}

function headers(accessToken: string): Record<string, string> {
  return {
    authorization: `Bearer ${accessToken}`,
    accept: "application/vnd.github+json",
    "x-github-api-version": "2022-11-28",
    // GitHub's API refuses requests without a User-Agent.
    "user-agent": "oauth-next-app",
  };
}

async function get(fetchImpl: typeof fetch, url: string, accessToken: string, what: string): Promise<Response> {
  try {
    return await fetchImpl(url, { headers: headers(accessToken), redirect: "manual", cache: "no-store" });
  } catch (error) {
    const name = (error as Error | null)?.name;
    const detail = name === "TimeoutError" || name === "AbortError" ? "timed out" : "unreachable";
    throw new ProviderUnavailableError("github", `${what}: ${detail}`, { cause: error });
  }
}

async function json(response: Response, what: string): Promise<unknown> {
  try {
    return await response.json();
  } catch (error) {
    throw new ProviderUnavailableError("github", `${what}: HTTP ${response.status}, not JSON`, { cause: error });
  }
}

/**
 * `/user` with `email` replaced by the verified address (or null). Throws AccessTokenRejectedError
 * on 401 (RFC 6750 §3.1), ProviderUnavailableError on anything else that is not an answer.
 */
export async function fetchGitHubUser(
  accessToken: string,
  options: { fetch: typeof fetch; apiBase?: string },
): Promise<Record<string, unknown>> {
  const api = options.apiBase ?? GITHUB_API;
  const userResponse = await get(options.fetch, `${api}/user`, accessToken, "user");
  if (userResponse.status === 401) {
    await userResponse.body?.cancel();
    throw new AccessTokenRejectedError("github");
  }
  if (!userResponse.ok) {
    await userResponse.body?.cancel();
    throw new ProviderUnavailableError("github", `user: HTTP ${userResponse.status}`);
  }
  const user = await json(userResponse, "user");
  if (typeof user !== "object" || user === null || Array.isArray(user))
    throw new ProviderUnavailableError("github", "user: not a JSON object");

  const emailsResponse = await get(options.fetch, `${api}/user/emails`, accessToken, "emails");
  if (emailsResponse.ok) return { ...(user as Record<string, unknown>), email: verifiedGitHubEmail(await json(emailsResponse, "emails")) };
  await emailsResponse.body?.cancel();
  // A failing GitHub is "try again", not a person without an address; 403/404 means the token
  // lacks the user:email scope, and then the person simply has no address here.
  if (emailsResponse.status >= 500 || emailsResponse.status === 429 || emailsResponse.status === 401) {
    throw new ProviderUnavailableError("github", `emails: HTTP ${emailsResponse.status}`);
  }
  return { ...(user as Record<string, unknown>), email: null };
}

/**
 * With AUTH_GITHUB_ALLOWED_ORGS, a person is admitted when GitHub says their membership of one of
 * the organisations is active (a pending invitation is not membership). It needs the `read:org`
 * scope, asked for only then. 404 is "not a member"; 403 means the organisation restricts what
 * OAuth apps may see, which admits nobody either.
 * https://docs.github.com/en/rest/orgs/members#get-an-organization-membership-for-the-authenticated-user
 */
async function checkMembership(accessToken: string, orgs: readonly string[], fetchImpl: typeof fetch): Promise<void> {
  for (const org of orgs) {
    const response = await get(fetchImpl, `${GITHUB_API}/user/memberships/orgs/${encodeURIComponent(org)}`, accessToken, "membership");
    if (response.status >= 500 || response.status === 429) {
      await response.body?.cancel();
      throw new ProviderUnavailableError("github", `membership: HTTP ${response.status}`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      continue;
    }
    const membership = (await json(response, "membership")) as { state?: unknown } | null;
    if (membership?.state === "active") return;
  }
  throw new AccountNotAllowedError("github", "not an active member of an allowed organisation");
}

/**
 * GitHub has no RFC 7009 endpoint: deleting the app's authorization (with the client's credentials
 * and the access token) ends every token of the grant. 404 means the token is already gone.
 * https://docs.github.com/en/rest/apps/oauth-applications#delete-an-app-authorization
 */
async function deleteGrant(accessToken: string, config: ProviderConfig, fetchImpl: typeof fetch): Promise<void> {
  const url = `${GITHUB_API}/applications/${encodeURIComponent(config.clientId)}/grant`;
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: "DELETE",
      headers: {
        ...headers(accessToken),
        authorization: `Basic ${Buffer.from(`${config.clientId}:${config.clientSecret}`).toString("base64")}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ access_token: accessToken }),
      redirect: "manual",
      cache: "no-store",
    });
  } catch (error) {
    throw new ProviderUnavailableError("github", "grant deletion: unreachable", { cause: error });
  }
  await response.body?.cancel();
  if (response.status !== 204 && response.status !== 404)
    throw new ProviderUnavailableError("github", `grant deletion: HTTP ${response.status}`);
}

/**
 * GitHub's token endpoint reports errors (`bad_verification_code`, `incorrect_client_credentials`)
 * with status 200. Given as RFC 6749 §5.2 says (400), the sign-in fails as an error response from
 * the provider, not as a token response without a token.
 * https://docs.github.com/en/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-oauth-app-access-token-request-errors
 */
export async function conformTokenError(response: Response): Promise<Response | undefined> {
  if (response.status !== 200) return undefined;
  const body = (await response
    .clone()
    .json()
    .catch(() => null)) as { error?: unknown } | null;
  if (typeof body?.error !== "string") return undefined;
  return Response.json(body, { status: 400, headers: { "cache-control": "no-store" } });
}

const ORG = /^[a-z0-9](?:[a-z0-9-]{0,38})$/;

/**
 * GitHub (OAuth 2.0, not OpenID Connect: no ID token, no discovery, no RFC 7009 revocation).
 * Its tokens may never expire, or (with expiring user tokens enabled for the app) expire with a
 * refresh token that each refresh replaces; lib/providers/tokens/ handles both.
 * https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
 */
export const github: ProviderDefinition = {
  kind: "github",
  variables: ["AUTH_GITHUB_ID", "AUTH_GITHUB_SECRET", "AUTH_GITHUB_ALLOWED_ORGS"],
  read(source, { problems }) {
    const client = clientPair(source, "AUTH_GITHUB_ID", "AUTH_GITHUB_SECRET", problems);
    const orgs = value(source, "AUTH_GITHUB_ALLOWED_ORGS")
      ?.split(",")
      .map((org) => org.trim().toLowerCase())
      .filter(Boolean);
    const bad = orgs?.filter((org) => !ORG.test(org)) ?? [];
    if (bad.length > 0) {
      problems.errors.push(`AUTH_GITHUB_ALLOWED_ORGS must list organisation logins separated by commas (not "${bad[0]}").`);
      return undefined;
    }
    if (orgs?.length && !client)
      problems.errors.push("AUTH_GITHUB_ALLOWED_ORGS is set but GitHub is not configured: set AUTH_GITHUB_ID and AUTH_GITHUB_SECRET.");
    const allowedOrgs = orgs?.length ? orgs : undefined;
    return client && { id: "github", kind: "github", name: "GitHub", mark: "github", ...client, trustEmail: false, allowedOrgs };
  },
  authjs(config) {
    return GitHub({
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      checks: ["pkce", "state"],
      // read:org only when membership must be checked: ask for no more than the app uses.
      authorization: { params: { scope: config.allowedOrgs ? "read:user user:email read:org" : "read:user user:email" } },
      token: { url: "https://github.com/login/oauth/access_token", conform: conformTokenError },
      // Auth.js's own request has no timeout and takes an unverified address (fetchGitHubUser above).
      userinfo: {
        url: `${GITHUB_API}/user`,
        request: ({ tokens }: { tokens: { access_token?: string } }) =>
          fetchGitHubUser(tokens.access_token ?? "", { fetch: fetchWithTimeout }),
      },
      profile: (user) => profileFromGitHubUser(user as unknown as Record<string, unknown>),
      [customFetch]: fetchWithTimeout,
    });
  },
  async admit({ accessToken, fetch: fetchImpl }, config) {
    if (config.allowedOrgs) await checkMembership(accessToken ?? "", config.allowedOrgs, fetchImpl);
  },
  profile: (claims) => profileFromGitHubUser(claims),
  userinfo: (accessToken, fetchImpl) => fetchGitHubUser(accessToken, { fetch: fetchImpl }),
  revokeGrant: deleteGrant,
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
