import { existsSync } from "node:fs";
import { request as httpRequest } from "node:http";

import { expect, test } from "@playwright/test";

import { freshPgliteDatabase, productionEnv, startApp, waitUntilReady } from "../support/app-process";
import { PORT_BASE } from "../support/stack";

const PORT = PORT_BASE + 211;

test.setTimeout(120_000);

test("SIGTERM lets an in-flight request finish, then closes the database and exits", async () => {
  const database = freshPgliteDatabase();
  const lockFile = `${database.url.slice("pglite:".length)}.lock`;
  const app = startApp(PORT, productionEnv(PORT, { DATABASE_URL: database.url }));
  try {
    await waitUntilReady(app);
    expect(existsSync(lockFile)).toBe(true);

    // A request whose body is still arriving when the signal comes: the server is busy with it.
    const [head, tail] = ["callbackUrl=%2Fdashboard&", "csrfToken=not-yet-sent"];
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        `${app.url}/api/auth/signin/dev-idp`,
        {
          method: "POST",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            "content-length": String(Buffer.byteLength(head + tail)),
          },
        },
        (res) => {
          let body = "";
          res.on("data", (chunk) => (body += chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      req.write(head);
      setTimeout(() => {
        app.child.kill("SIGTERM");
        setTimeout(() => req.end(tail), 1_000);
      }, 200);
    });

    const { status } = await response;
    // Answered in full (Auth.js refuses a sign-in without its CSRF token with a redirect), not cut off.
    expect([200, 302, 303]).toContain(status);
    expect(await app.exited).toBe(143);
    expect(app.output()).toContain("[shutdown] SIGTERM: finishing in-flight requests");
    expect(app.output()).toContain("[shutdown] database closed");
    // The embedded database's folder is free for the next process.
    expect(existsSync(lockFile)).toBe(false);
  } finally {
    await app.stop("SIGKILL");
    database.remove();
  }
});
