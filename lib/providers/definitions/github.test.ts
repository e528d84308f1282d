/**
 * GitHub at the HTTP edge (a stubbed fetch answering as api.github.com and github.com do), through
 * our real Auth.js configuration and database: which address is stored, and what a GitHub that
 * stops answering does to a sign-in.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

import { AppClient, TEST_APP, testAuthConfigFor } from "@/test/support/auth-client";
import { createTestDatabase, type TestDatabase } from "@/test/support/database";
import type { ProviderConfig } from "@/lib/providers/definition";
import { conformTokenError, github, verifiedGitHubEmail } from "@/lib/providers/definitions/github";
import { PROVIDER_TIMEOUT_MS } from "@/lib/providers/fetch";
import { createTokenKeyring } from "@/lib/encryption/keyring";

const SECRET = "github-user-test-secret-0123456789abcdefghij";
const GITHUB_USER = {
  id: 583231,
  login: "octocat",
  name: "The Octocat",
  email: "public@octocat.example",
  avatar_url: "https://avatars.githubusercontent.com/u/583231",
};

describe("verifiedGitHubEmail", () => {
  it("takes the primary address when GitHub verified it, else the first verified one, never an unverified one", () => {
    const primaryVerified = [
      { email: "other@example.com", primary: false, verified: true },
      { email: "primary@example.com", primary: true, verified: true },
    ];
    expect(verifiedGitHubEmail(primaryVerified)).toBe("primary@example.com");
    const primaryUnverified = [
      { email: "primary@example.com", primary: true, verified: false },
      { email: "second@example.com", primary: false, verified: true },
    ];
    expect(verifiedGitHubEmail(primaryUnverified)).toBe("second@example.com");
    expect(verifiedGitHubEmail([{ email: "primary@example.com", primary: true, verified: false }])).toBeNull();
    expect(verifiedGitHubEmail([{ email: "x@example.com", primary: true, verified: "true" }])).toBeNull();
    expect(verifiedGitHubEmail({ message: "Not Found" })).toBeNull();
  });
});

let database: TestDatabase;
type Answer = (url: string, init: RequestInit | undefined) => Promise<Response>;
let answers: Record<string, Answer>;

/** A request that never gets an answer; it ends only when the caller's signal aborts it. */
const hang: Answer = (_url, init) =>
  new Promise((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal!.reason), { once: true }));

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});
beforeEach(async () => {
  await database.db.user.deleteMany();
  answers = {
    "https://github.com/login/oauth/access_token": async () =>
      Response.json({ access_token: "gho_test", token_type: "bearer", scope: "read:user,user:email" }),
    "https://api.github.com/user": async () => Response.json(GITHUB_USER),
    "https://api.github.com/user/emails": async () =>
      Response.json([
        { email: "unverified-primary@octocat.example", primary: true, verified: false },
        { email: "verified@octocat.example", primary: false, verified: true },
      ]),
  };
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    const answer = answers[url];
    if (!answer) throw new TypeError(`fetch failed: ${url} is not GitHub`);
    return answer(url, init);
  });
});
afterEach(() => {
  vi.unstubAllGlobals();
});

async function signInWithGitHub(): Promise<string> {
  const config = testAuthConfigFor(
    { AUTH_GITHUB_ID: "gh-client", AUTH_GITHUB_SECRET: "gh-secret" },
    { secret: SECRET, db: database.db, keyring: () => createTokenKeyring([SECRET]) },
  );
  const app = new AppClient(config, { db: database.db });
  const authorization = new URL(await app.startSignIn("/dashboard", "github"));
  const callback = new URL(`${TEST_APP}/api/auth/callback/github`);
  callback.search = new URLSearchParams({ code: "github-code", state: authorization.searchParams.get("state") ?? "" }).toString();
  return (await app.request(callback.href)).headers.get("location") ?? "";
}

describe("signing in with GitHub", () => {
  it("stores the address GitHub's emails API marks verified, not /user's public one", async () => {
    expect(await signInWithGitHub()).toBe(`${TEST_APP}/dashboard`);
    expect(await database.db.user.findFirstOrThrow({ select: { email: true, name: true } })).toEqual({
      email: "verified@octocat.example",
      name: "The Octocat",
    });
  });

  it("stores no address when GitHub has verified none", async () => {
    answers["https://api.github.com/user/emails"] = async () =>
      Response.json([{ email: "x@octocat.example", primary: true, verified: false }]);
    expect(await signInWithGitHub()).toBe(`${TEST_APP}/dashboard`);
    expect((await database.db.user.findFirstOrThrow()).email).toBeNull();
  });

  for (const [what, url] of [
    ["/user", "https://api.github.com/user"],
    ["/user/emails", "https://api.github.com/user/emails"],
  ] as const) {
    it(`gives up on a GitHub ${what} that does not answer after ${PROVIDER_TIMEOUT_MS / 1000} s: "try again in a moment", nothing written`, async () => {
      answers[url] = hang;
      const started = Date.now();
      expect(await signInWithGitHub()).toBe(`${TEST_APP}/login?error=provider_unreachable`);
      expect(Date.now() - started).toBeLessThan(PROVIDER_TIMEOUT_MS + 3_000);
      expect(await database.db.user.count()).toBe(0);
    });
  }
});

describe("GitHub's definition", () => {
  const problemsOf = () => ({ errors: [] as string[], warnings: [] as string[] });
  const CLIENT = { AUTH_GITHUB_ID: "Iv1.client", AUTH_GITHUB_SECRET: "github-secret" };

  function configWith(extra: Record<string, string> = {}) {
    const problems = problemsOf();
    const config = github.read({ ...CLIENT, ...extra }, { mode: "production", problems, configured: [] }) as ProviderConfig | undefined;
    return { config, problems };
  }

  /** GitHub's membership API at the HTTP edge: `answers` by organisation. */
  function membershipApi(answers: Record<string, Response | Error>) {
    const seen: string[] = [];
    const fetchStub: typeof fetch = async (input, init) => {
      const url = String(input);
      seen.push(`${init?.method ?? "GET"} ${url} ${new Headers(init?.headers).get("authorization")}`);
      const org = /\/user\/memberships\/orgs\/([^/]+)$/.exec(url)?.[1] ?? "";
      const answer = answers[org] ?? Response.json({ message: "Not Found" }, { status: 404 });
      if (answer instanceof Error) throw answer;
      return answer;
    };
    return { fetchStub, seen };
  }

  it("turns a token error GitHub sends with status 200 into the 400 error response RFC 6749 §5.2 describes", async () => {
    const refused = await conformTokenError(
      Response.json({ error: "bad_verification_code", error_description: "The code passed is incorrect or expired." }),
    );
    expect(refused?.status).toBe(400);
    expect(await refused?.json()).toMatchObject({ error: "bad_verification_code" });
    expect(await conformTokenError(Response.json({ access_token: "gho_x", token_type: "bearer", scope: "" }))).toBeUndefined();
    expect(await conformTokenError(new Response("access_token=gho_x", { status: 200 }))).toBeUndefined();
  });

  it("reads AUTH_GITHUB_ALLOWED_ORGS as lower-case logins and refuses anything else at start", () => {
    expect(configWith({ AUTH_GITHUB_ALLOWED_ORGS: " Acme-Corp , other " }).config?.allowedOrgs).toEqual(["acme-corp", "other"]);
    expect(configWith().config?.allowedOrgs).toBeUndefined();
    for (const bad of ["https://github.com/acme", "acme corp", "-acme", "acme/team"]) {
      const { config, problems } = configWith({ AUTH_GITHUB_ALLOWED_ORGS: bad });
      expect(config).toBeUndefined();
      expect(problems.errors.join("\n")).toMatch(/AUTH_GITHUB_ALLOWED_ORGS must list organisation logins/);
    }
    const problems = problemsOf();
    github.read({ AUTH_GITHUB_ALLOWED_ORGS: "acme" }, { mode: "production", problems, configured: [] });
    expect(problems.errors.join("\n")).toMatch(/AUTH_GITHUB_ALLOWED_ORGS is set but GitHub is not configured/);
  });

  it("admits an active member of any allowed organisation, asking with the person's token", async () => {
    const { config } = configWith({ AUTH_GITHUB_ALLOWED_ORGS: "acme-corp,other" });
    const { fetchStub, seen } = membershipApi({ other: Response.json({ state: "active", role: "member" }) });
    await expect(
      github.admit!({ idTokenClaims: undefined, accessToken: "gho_person", fetch: fetchStub }, config!),
    ).resolves.toBeUndefined();
    expect(seen).toEqual([
      "GET https://api.github.com/user/memberships/orgs/acme-corp Bearer gho_person",
      "GET https://api.github.com/user/memberships/orgs/other Bearer gho_person",
    ]);
  });

  it("refuses a pending invitation, a non-member (404) and an organisation that hides itself from the app (403)", async () => {
    const { config } = configWith({ AUTH_GITHUB_ALLOWED_ORGS: "acme-corp" });
    for (const answer of [
      Response.json({ state: "pending", role: "member" }),
      Response.json({ message: "Not Found" }, { status: 404 }),
      Response.json({ message: "Resource not accessible by integration" }, { status: 403 }),
    ]) {
      const { fetchStub } = membershipApi({ "acme-corp": answer });
      await expect(github.admit!({ idTokenClaims: undefined, accessToken: "gho_person", fetch: fetchStub }, config!)).rejects.toMatchObject(
        {
          name: "AccountNotAllowedError",
        },
      );
    }
  });

  it("reports a GitHub that fails (5xx, unreachable) as unavailable, not as 'not allowed'", async () => {
    const { config } = configWith({ AUTH_GITHUB_ALLOWED_ORGS: "acme-corp" });
    for (const answer of [new Response("oops", { status: 502 }), new TypeError("fetch failed")]) {
      const { fetchStub } = membershipApi({ "acme-corp": answer });
      await expect(github.admit!({ idTokenClaims: undefined, accessToken: "gho_person", fetch: fetchStub }, config!)).rejects.toMatchObject(
        {
          name: "ProviderUnavailableError",
        },
      );
    }
  });

  it("admits everyone GitHub signs in when no organisation is set, without asking GitHub anything", async () => {
    const { config } = configWith();
    const { fetchStub, seen } = membershipApi({});
    await expect(
      github.admit!({ idTokenClaims: undefined, accessToken: "gho_person", fetch: fetchStub }, config!),
    ).resolves.toBeUndefined();
    expect(seen).toEqual([]);
  });

  it("revokes by deleting the app's authorization with the client's Basic credentials and the access token", async () => {
    const { config } = configWith();
    const requests: { url: string; method: string | undefined; authorization: string | null; body: unknown }[] = [];
    const answer =
      (status: number): typeof fetch =>
      async (input, init) => {
        requests.push({
          url: String(input),
          method: init?.method,
          authorization: new Headers(init?.headers).get("authorization"),
          body: JSON.parse(String(init?.body)),
        });
        return new Response(null, { status });
      };
    await github.revokeGrant!("gho_person", config!, answer(204));
    expect(requests).toEqual([
      {
        url: "https://api.github.com/applications/Iv1.client/grant",
        method: "DELETE",
        authorization: `Basic ${Buffer.from("Iv1.client:github-secret").toString("base64")}`,
        body: { access_token: "gho_person" },
      },
    ]);
    // Already gone is done; anything else is a failure the sign-out logs.
    await expect(github.revokeGrant!("gho_person", config!, answer(404))).resolves.toBeUndefined();
    await expect(github.revokeGrant!("gho_person", config!, answer(500))).rejects.toMatchObject({ name: "ProviderUnavailableError" });
  });
});
