import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

import { expect, test } from "@playwright/test";

import { USERS, signIn } from "../support/dev-idp";

/**
 * The proxy does not run on /api/ (proxy.ts), so each route handler is its own gate. This spec
 * finds every route handler in app/api by itself and proves that each one refuses a caller
 * without a session, and refuses a signed-in browser's cross-site write. A new route that forgets
 * lib/dal.ts fails here, before it ships.
 */

const API_DIR = path.join(process.cwd(), "app", "api");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
type Method = (typeof METHODS)[number];

/**
 * Routes meant to be called without a session, and why each is safe. Auth.js's own routes
 * (/api/auth/*) carry their CSRF token, state, PKCE or a signed logout token instead.
 */
const PUBLIC: Record<string, string> = {
  "/api/health": "liveness and readiness probe: says ok or down, nothing about anyone",
};

interface ApiRoute {
  path: string;
  methods: Method[];
}

function findRoutes(dir: string): ApiRoute[] {
  const routes: ApiRoute[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) routes.push(...findRoutes(full));
    else if (entry.name === "route.ts") {
      const source = readFileSync(full, "utf8");
      const methods = METHODS.filter((method) => new RegExp(`export\\s+(?:async\\s+)?(?:function|const)\\s+${method}\\b`).test(source));
      // A dynamic segment gets a plausible value: the handler must refuse before it looks at it.
      const urlPath = `/${path.relative(path.join(process.cwd(), "app"), dir).split(path.sep).join("/")}`.replace(/\[+\.*(\w+)\]+/g, "x");
      routes.push({ path: urlPath, methods });
    }
  }
  return routes;
}

const routes = findRoutes(API_DIR);
const guarded = routes.filter((route) => !(route.path in PUBLIC) && !route.path.startsWith("/api/auth/"));

test("the inventory finds the app's route handlers (so the checks below cannot pass on an empty list)", () => {
  const paths = routes.map((route) => route.path);
  expect(paths).toEqual(expect.arrayContaining(["/api/me", "/api/provider/profile", "/api/token", "/api/health", "/api/auth/x"]));
  expect(guarded.find((route) => route.path === "/api/token")?.methods).toEqual(["POST"]);
  for (const route of routes) expect(route.methods.length, `${route.path} exports no handler the spec recognises`).toBeGreaterThan(0);
});

for (const route of guarded) {
  for (const method of route.methods) {
    test(`${method} ${route.path} refuses a caller without a session (401 JSON)`, async ({ request }) => {
      const response = await request.fetch(route.path, {
        method,
        // Same-origin, so a cross-site refusal (403) cannot stand in for the missing session.
        headers: method === "GET" ? {} : { origin: new URL(test.info().project.use.baseURL!).origin, "sec-fetch-site": "same-origin" },
        maxRedirects: 0,
      });
      expect(response.status()).toBe(401);
      expect((await response.json()).error).toBe("unauthorized");
    });

    test(`${method} ${route.path} refuses a forged session cookie`, async ({ request }) => {
      const response = await request.fetch(route.path, { method, headers: { cookie: "authjs.session-token=forged" }, maxRedirects: 0 });
      expect([401, 403]).toContain(response.status());
    });
  }

  const writes = route.methods.filter((method) => method !== "GET");
  if (writes.length > 0) {
    test(`${route.path} refuses a signed-in browser's cross-site ${writes.join("/")}`, async ({ page }) => {
      await signIn(page, USERS.alice);
      for (const method of writes) {
        const response = await page.request.fetch(route.path, {
          method,
          headers: { origin: "https://evil.test", "sec-fetch-site": "cross-site" },
          maxRedirects: 0,
        });
        expect(response.status(), `${method} ${route.path}`).toBe(403);
      }
      // The same session, from our own origin, is accepted: the 403 above was the cross-site check.
      const origin = new URL(page.url()).origin;
      const sameSite = await page.request.fetch(route.path, {
        method: writes[0],
        headers: { origin, "sec-fetch-site": "same-origin" },
        maxRedirects: 0,
      });
      expect(sameSite.status()).toBeLessThan(400);
    });
  }
}
