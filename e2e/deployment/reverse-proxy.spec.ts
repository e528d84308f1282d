import { request as httpRequest } from "node:http";

import { expect, test } from "@playwright/test";

import { APP_URL } from "../support/stack";

/**
 * Behind a reverse proxy the app may receive any Host / X-Forwarded-* headers. The redirect URI
 * sent to the provider (and so where the authorization code goes) must stay AUTH_URL's.
 */

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Node's http client, because fetch may not set Host. */
function raw(path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<RawResponse>((resolve, reject) => {
    const url = new URL(path, APP_URL);
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: options.method ?? "GET", headers: options.headers },
      (res) => {
        let body = "";
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

function cookiesOf(response: RawResponse): string {
  const setCookie = response.headers["set-cookie"] ?? [];
  return (Array.isArray(setCookie) ? setCookie : [setCookie]).map((c) => c.split(";")[0]).join("; ");
}

const FORGED = { host: "evil.test", "x-forwarded-host": "evil.test", "x-forwarded-proto": "https" };

test("the CSRF endpoint sets exactly one CSRF cookie", async () => {
  const csrf = await raw("/api/auth/csrf");
  const cookies = [csrf.headers["set-cookie"] ?? []].flat().filter((c) => c.startsWith("authjs.csrf-token="));
  expect(cookies).toHaveLength(1);
});

test("the redirect URI stays AUTH_URL's whatever Host and X-Forwarded-Host say", async () => {
  const csrf = await raw("/api/auth/csrf", { headers: FORGED });
  expect(csrf.status).toBe(200);
  const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };

  const signIn = await raw("/api/auth/signin/dev-idp", {
    method: "POST",
    headers: { ...FORGED, "content-type": "application/x-www-form-urlencoded", cookie: cookiesOf(csrf) },
    body: new URLSearchParams({ csrfToken, callbackUrl: "/dashboard" }).toString(),
  });
  expect(signIn.status).toBe(302);
  const authorization = new URL(String(signIn.headers.location));
  expect(authorization.searchParams.get("redirect_uri")).toBe(`${APP_URL}/api/auth/callback/dev-idp`);
  expect(String(signIn.headers.location)).not.toContain("evil.test");
});

test("a forged Host cannot redirect people elsewhere after sign-in or from the proxy", async () => {
  const page = await raw("/dashboard", { headers: FORGED });
  expect(page.status).toBe(307);
  expect(String(page.headers.location)).not.toContain("evil.test");
});

test("query parameters sent to the sign-in endpoint never reach the authorization URL", async () => {
  const csrf = await raw("/api/auth/csrf");
  const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
  const hostile = new URLSearchParams({
    scope: "openid admin",
    prompt: "none",
    redirect_uri: "https://evil.test/callback",
    client_id: "someone-else",
    response_type: "token",
    login_hint: "victim@example.com",
  });
  const signIn = await raw(`/api/auth/signin/dev-idp?${hostile}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookiesOf(csrf) },
    body: new URLSearchParams({ csrfToken, callbackUrl: "/dashboard" }).toString(),
  });
  expect(signIn.status).toBe(302);
  const authorization = new URL(String(signIn.headers.location));
  expect(authorization.searchParams.get("redirect_uri")).toBe(`${APP_URL}/api/auth/callback/dev-idp`);
  expect(authorization.searchParams.get("client_id")).toBe("oauth-next-app");
  expect(authorization.searchParams.get("response_type")).toBe("code");
  expect(authorization.searchParams.get("scope")).toBe("openid email profile offline_access");
  expect(authorization.searchParams.get("prompt")).toBe("consent");
  expect(authorization.searchParams.has("login_hint")).toBe(false);
  expect(authorization.searchParams.getAll("redirect_uri")).toHaveLength(1);
});

test("X-Forwarded-Proto cannot turn the redirect URI into another scheme", async () => {
  const csrf = await raw("/api/auth/csrf", { headers: { "x-forwarded-proto": "https", "x-forwarded-host": "localhost:443" } });
  const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
  const signIn = await raw("/api/auth/signin/dev-idp", {
    method: "POST",
    headers: {
      "x-forwarded-proto": "https",
      "x-forwarded-host": "localhost:443",
      "content-type": "application/x-www-form-urlencoded",
      cookie: cookiesOf(csrf),
    },
    body: new URLSearchParams({ csrfToken, callbackUrl: "/dashboard" }).toString(),
  });
  expect(signIn.status).toBe(302);
  expect(new URL(String(signIn.headers.location)).searchParams.get("redirect_uri")).toBe(`${APP_URL}/api/auth/callback/dev-idp`);
});
