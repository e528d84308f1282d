/**
 * The Dev IdP for the bench, in its own process (so the clients that time sign-ins do not share an
 * event loop with it): `startDevIdp` from idp/provider.ts, unmodified, with the test API on and
 * the bench's settings (port, redirect URIs, a short access-token lifetime).
 *
 * Many users (scenario 5): `extraUsers` (settings.extraUsers of them, see benchUsers()). After
 * starting, the bench checks for real that one of them can sign in at the IdP (extraUsersSupported),
 * so a snapshot whose IdP ignored the option would show as "skipped", never as a pass.
 *
 * Talks to the bench over IPC: {type:"ready"} once listening, and answers {type:"counters"} with
 * the IdP's own stats plus the refresh_token requests it refused (grant.error), which its test API
 * does not count.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { pathToFileURL } from "node:url";

import type { KoaContextWithOIDC } from "oidc-provider";

import type { StartDevIdpOptions } from "../idp/provider";

import { BENCH_DEV_IDP_CLIENT_SECRET, benchUsers, type IdpCounters, type IdpMessage, type IdpSettings } from "./lib/idp-users";

const settings = JSON.parse(process.env.BENCH_IDP_SETTINGS ?? "{}") as IdpSettings;
const extraUsers = benchUsers(settings.extraUsers);

// The IdP from the same snapshot of the sources as the app build (settings.sourceRoot), so both
// sides of every sign-in are the code being measured, whatever the working tree holds meanwhile.
const load = (file: string) => import(pathToFileURL(path.join(settings.sourceRoot, file)).href);
const { startDevIdp } = (await load("idp/provider.ts")) as typeof import("../idp/provider");
const { Browser, followWithin, parseLoginPage, pkcePair, randomToken } = (await load(
  "test/support/idp-browser.ts",
)) as typeof import("../test/support/idp-browser");

const options: StartDevIdpOptions = {
  port: settings.port,
  host: "127.0.0.1",
  redirectUris: settings.redirectUris,
  postLogoutRedirectUris: settings.postLogoutRedirectUris,
  backchannelLogoutUris: settings.backchannelLogoutUris,
  accessTokenTtlSeconds: settings.accessTokenTtlSeconds,
  testApi: true,
  clientSecret: BENCH_DEV_IDP_CLIENT_SECRET,
  cookieKeys: [randomBytes(24).toString("base64url")],
  extraUsers,
};
const idp = await startDevIdp(options);

let refreshRefused = 0;
idp.provider.on("grant.error", (ctx: KoaContextWithOIDC) => {
  if (ctx.oidc?.params?.grant_type === "refresh_token") refreshRefused += 1;
});

/** Whether a bench user can really sign in at this IdP: one authorization request, one login. */
async function extraUsersWork(): Promise<boolean> {
  const user = extraUsers[0];
  const redirectUri = settings.redirectUris[0];
  if (!user || !redirectUri) return false;
  const browser = new Browser();
  const authorization = new URL(idp.provider.urlFor("authorization"));
  authorization.search = new URLSearchParams({
    client_id: idp.client.clientId,
    redirect_uri: redirectUri,
    response_type: "code",
    scope: "openid email",
    state: randomToken(),
    nonce: randomToken(),
    code_challenge: pkcePair().challenge,
    code_challenge_method: "S256",
  }).toString();
  const first = await browser.get(authorization.href);
  const page = await followWithin(browser, idp.issuer, first, authorization.href);
  const form = parseLoginPage(await page.response.text());
  const target = new URL(form.loginAction, page.url).href;
  const posted = await browser.postForm(target, { csrf: form.csrf, email: user.email, password: user.password });
  await posted.arrayBuffer();
  return posted.status === 303;
}

const extraUsersSupported = extraUsers.length > 0 ? await extraUsersWork() : false;

const send = (message: IdpMessage) => process.send?.(message);
process.on("message", (message: IdpMessage) => {
  if (message.type === "counters") {
    const counters: IdpCounters = { ...idp.stats(), refreshRefused };
    send({ type: "counters", counters });
  }
});
// The bench went away: so do we.
process.on("disconnect", () => void idp.close().finally(() => process.exit(0)));
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void idp.close().finally(() => process.exit(0)));
}
send({ type: "ready", issuer: idp.issuer, extraUsersSupported, extraUsers: extraUsers.length });
