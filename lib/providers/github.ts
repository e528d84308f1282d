import { AccessTokenRejectedError, ProviderUnavailableError } from "@/lib/providers/errors";

/**
 * GitHub's profile of a person, read with their access token: `GET /user`, and the address from
 * `GET /user/emails`. GitHub is plain OAuth 2.0 (no ID token, no `email_verified` claim), and
 * `/user`'s `email` is only the public profile address, so the address we may store comes from the
 * emails API and only when GitHub marks it `verified` (the primary one first). Without the
 * `user:email` scope, or with no verified address, there is none.
 *
 * Used by the sign-in (Auth.js's userinfo request, lib/providers/authjs.ts) and by server code reading the
 * profile later (lib/providers/client.ts), both with the 5-second provider timeout.
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
export async function fetchGitHubUser(accessToken: string, options: { fetch: typeof fetch; apiBase?: string }): Promise<Record<string, unknown>> {
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
  if (typeof user !== "object" || user === null || Array.isArray(user)) throw new ProviderUnavailableError("github", "user: not a JSON object");

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
