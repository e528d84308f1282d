import { request as httpRequest } from "node:http";

import { expect, test } from "@playwright/test";

import { USERS } from "../support/dev-idp";
import { APP_URL } from "../support/stack";

/**
 * Anonymous requests that try to get around the proxy: the header behind CVE-2025-29927, odd
 * spellings of a protected path, and the RSC / data variants of a page. None may return protected
 * content; each is either sent to /login, refused, or simply not found.
 */

const PROTECTED_MARKERS = ["Signed in as", USERS.alice.email, "Display name", "Hello,"];

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Node's HTTP client: sends the path exactly as written (`//dashboard`, `/./dashboard`), never normalised. */
function raw(path: string, headers: Record<string, string> = {}, method = "GET"): Promise<RawResponse> {
  const { hostname, port } = new URL(APP_URL);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method, headers }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Follows redirects on our origin only (a redirect anywhere else is itself a failure). */
async function rawFollowed(path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  let response = await raw(path, headers);
  for (let hops = 0; hops < 5 && response.status >= 300 && response.status < 400; hops++) {
    const next = new URL(String(response.headers.location), `${APP_URL}${path.startsWith("//") ? "/" : path}`);
    expect(next.origin).toBe(APP_URL);
    response = await raw(`${next.pathname}${next.search}`, headers);
  }
  return response;
}

function expectNoProtectedContent(response: RawResponse, what: string) {
  expect(response.status, what).toBeLessThan(500);
  for (const marker of PROTECTED_MARKERS) expect(response.body, `${what} leaks "${marker}"`).not.toContain(marker);
}

test.describe("getting past the proxy", () => {
  const subrequestValues = [
    "middleware",
    "src/middleware",
    "middleware:middleware:middleware:middleware:middleware",
    "src/middleware:src/middleware:src/middleware:src/middleware:src/middleware",
    "proxy",
    "proxy:proxy:proxy:proxy:proxy",
    "pages/_middleware",
  ];
  for (const value of subrequestValues) {
    test(`x-middleware-subrequest: ${value} does not skip the gate`, async () => {
      for (const path of ["/dashboard", "/settings/profile", "/api/me"]) {
        const response = await raw(path, { "x-middleware-subrequest": value });
        expectNoProtectedContent(response, `${path} with x-middleware-subrequest: ${value}`);
        expect([307, 401]).toContain(response.status);
      }
    });
  }

  const variants = [
    "/Dashboard",
    "/dashboard/",
    "//dashboard",
    "/%64ashboard",
    "/./dashboard",
    "/dashboard;x",
    "/dashboard%2F",
    "/DASHBOARD",
    "/settings//profile",
    "/settings/%70rofile",
  ];
  for (const path of variants) {
    test(`${path} gives nothing protected to an anonymous visitor`, async () => {
      expectNoProtectedContent(await raw(path), path);
      // Followed to the end, it is the login page or a 404, never the dashboard.
      expectNoProtectedContent(await rawFollowed(path), `${path} (followed)`);
    });
  }

  test("only /api/ is outside the proxy's matcher: the paths around it are still gated", async () => {
    // Route handlers under /api/ answer for themselves (e2e/security/api-routes.spec.ts).
    expect((await raw("/api/health?live=1")).status).toBe(200);
    expect((await raw("/api/me")).status).toBe(401);
    // /api itself, and paths that only look like it, still meet the proxy.
    expect((await raw("/api")).status).toBe(401);
    for (const path of ["/apix", "/API/me", "/Api/me"]) {
      const response = await raw(path);
      expectNoProtectedContent(response, path);
      expect(response.status, path).toBe(307);
      expect(String(response.headers.location), path).toContain("/login");
    }
    // Percent-encoded, it is either the route handler (401) or a page for the proxy (307).
    const encoded = await raw("/%61pi/me");
    expectNoProtectedContent(encoded, "/%61pi/me");
    expect([307, 401]).toContain(encoded.status);
  });

  const dataRequests: [string, Record<string, string>][] = [
    ["/dashboard", { RSC: "1" }],
    ["/dashboard?_rsc=abc12", { RSC: "1" }],
    ["/dashboard?_rsc=abc12", {}],
    ["/dashboard", { "x-nextjs-data": "1" }],
    ["/dashboard", { RSC: "1", "Next-Router-Prefetch": "1" }],
    ["/dashboard", { RSC: "1", "Next-Router-State-Tree": "%5B%22%22%5D" }],
    ["/settings/sessions", { RSC: "1" }],
  ];
  for (const [path, headers] of dataRequests) {
    test(`${path} as a data request (${Object.keys(headers).join(", ") || "query only"}) is refused`, async () => {
      const response = await raw(path, headers);
      expectNoProtectedContent(response, path);
      expect(response.status).toBe(307);
      expect(String(response.headers.location)).toContain("/login");
    });
  }
});
