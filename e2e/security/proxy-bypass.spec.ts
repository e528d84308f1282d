import { expect, test, type APIResponse } from "@playwright/test";

import { USERS } from "../support/dev-idp";

/**
 * Anonymous requests that try to get around the proxy: the header behind CVE-2025-29927, odd
 * spellings of a protected path, and the RSC / data variants of a page. None may return protected
 * content; each is either sent to /login, refused, or simply not found.
 */

const PROTECTED_MARKERS = ["Signed in as", USERS.alice.email, "Display name"];

async function expectNoProtectedContent(response: APIResponse, what: string) {
  expect(response.status(), what).not.toBeGreaterThanOrEqual(500);
  const body = await response.text();
  for (const marker of PROTECTED_MARKERS) expect(body, `${what} leaks "${marker}"`).not.toContain(marker);
  if (response.status() === 200) {
    // A 200 may only be a public page (the login page, or a 404 page rendered as such).
    expect(body, what).not.toMatch(/Hello,/);
  }
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
    test(`x-middleware-subrequest: ${value} does not skip the gate`, async ({ request }) => {
      for (const path of ["/dashboard", "/settings/profile", "/api/me"]) {
        const response = await request.get(path, { headers: { "x-middleware-subrequest": value }, maxRedirects: 0 });
        await expectNoProtectedContent(response, `${path} with x-middleware-subrequest: ${value}`);
        expect([307, 401]).toContain(response.status());
      }
    });
  }

  const variants = ["/Dashboard", "/dashboard/", "//dashboard", "/%64ashboard", "/./dashboard", "/dashboard;x", "/dashboard%2F", "/DASHBOARD", "/settings//profile", "/settings/%70rofile"];
  for (const path of variants) {
    test(`${path} gives nothing protected to an anonymous visitor`, async ({ request }) => {
      const response = await request.get(path, { maxRedirects: 0 });
      await expectNoProtectedContent(response, path);
      // Followed to the end, it is the login page or a 404, never the dashboard.
      const followed = await request.get(path);
      await expectNoProtectedContent(followed, `${path} (followed)`);
    });
  }

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
    test(`${path} as a data request (${Object.keys(headers).join(", ") || "query only"}) is refused`, async ({ request }) => {
      const response = await request.get(path, { headers, maxRedirects: 0 });
      await expectNoProtectedContent(response, path);
      expect(response.status()).toBe(307);
      expect(response.headers().location).toContain("/login");
    });
  }
});
