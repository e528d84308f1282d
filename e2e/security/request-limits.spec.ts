import { readdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import path from "node:path";

import { expect, test } from "@playwright/test";

import { startSecurityInstance, type SecurityInstance } from "../support/security-instance";

/**
 * What an anonymous client can make the server hold in memory, and whose address it is counted
 * under. One instance of the production build, with TRUSTED_PROXY_HOPS=0 (clients reach it
 * directly) and a low sign-in limit.
 */

const MB = 1024 * 1024;
const BODY_BYTES = 32 * MB;
let instance: SecurityInstance;

test.describe.configure({ timeout: 180_000 });

test.beforeAll(async ({}, testInfo) => {
  test.setTimeout(300_000);
  instance = await startSecurityInstance(
    { TRUSTED_PROXY_HOPS: "0", RATE_LIMIT_SIGN_IN_IP: "3/600" },
    path.join(testInfo.project.outputDir, "request-limits-instance.log"),
  );
});
test.afterAll(async () => {
  test.setTimeout(60_000);
  await instance?.stop();
});

/** Resident memory of the server process and any children it started, in bytes. */
function residentBytes(pid: number): number {
  let total = 0;
  const visit = (id: number) => {
    const status = readFileSync(`/proc/${id}/status`, "utf8");
    total += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    for (const task of readdirSync(`/proc/${id}/task`)) {
      for (const child of readFileSync(`/proc/${id}/task/${task}/children`, "utf8").trim().split(/\s+/).filter(Boolean))
        visit(Number(child));
    }
  };
  visit(pid);
  return total;
}

/**
 * POSTs `BODY_BYTES` of form data, declared (Content-Length) or chunked, over a raw socket, writing
 * only as fast as the server reads and stopping once it answers: resolves with the status. (A
 * server that answers and closes early makes the writer fail with EPIPE: that is the point, so the
 * status line is read off the socket rather than through an HTTP client that would report it.)
 */
function postHuge(url: string, mode: "declared" | "chunked", headers: Record<string, string> = {}): Promise<number> {
  const target = new URL(url);
  const head = [
    `POST ${target.pathname}${target.search} HTTP/1.1`,
    `Host: ${target.host}`,
    "Content-Type: application/x-www-form-urlencoded",
    `Origin: ${target.origin}`,
    mode === "declared" ? `Content-Length: ${BODY_BYTES}` : "Transfer-Encoding: chunked",
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    "",
    "",
  ].join("\r\n");
  return new Promise((resolve, reject) => {
    const socket = connect(Number(target.port), target.hostname);
    let received = "";
    let answered = false;
    const chunk = Buffer.alloc(64 * 1024, "a");
    const framed =
      mode === "chunked" ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]) : chunk;
    let sent = 0;
    const write = () => {
      while (!answered && sent < BODY_BYTES) {
        sent += chunk.length;
        if (!socket.write(framed)) return void socket.once("drain", write);
      }
      if (!answered && mode === "chunked") socket.write("0\r\n\r\n");
    };
    socket.on("data", (data) => {
      received += data.toString("latin1");
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received);
      if (status && !answered) {
        answered = true;
        resolve(Number(status[1]));
        socket.destroy();
      }
    });
    socket.on("error", (error) => {
      if (!answered && !/EPIPE|ECONNRESET/.test(String((error as NodeJS.ErrnoException).code))) reject(error);
    });
    socket.on("close", () => {
      if (!answered) reject(new Error(`no answer after ${sent} bytes: ${received.slice(0, 200)}`));
    });
    socket.write(head, write);
  });
}

const ROUTES = [
  "/api/auth/signin/dev-idp",
  "/api/auth/callback/dev-idp",
  "/api/auth/session",
  "/api/token",
  "/api/auth/backchannel-logout",
];
const PAGES = ["/login", "/dashboard"];

/** One 32 MB attempt on every endpoint, both ways; each must be refused. */
async function attemptEverywhere(url: (path: string) => string): Promise<void> {
  for (const route of ROUTES) {
    for (const mode of ["declared", "chunked"] as const) {
      expect(await postHuge(url(route), mode), `${mode} body to ${route}`).toBe(413);
    }
  }
  // Server actions are POSTs to pages: a declared length over the limit is 413, no length at all 411.
  for (const route of PAGES) {
    expect(await postHuge(url(route), "declared", { "next-action": "0".repeat(40) }), `declared body to ${route}`).toBe(413);
    expect(await postHuge(url(route), "chunked", { "next-action": "0".repeat(40) }), `chunked body to ${route}`).toBe(411);
  }
}

test("refuses every body over the limit with 413 (411 for a length-less one to a page) and holds none of it in memory", async ({
  page,
}) => {
  const url = (p: string) => `${instance.url}${p}`;
  const pid = instance.app.child.pid!;
  // Two first rounds load every route's code and let the heap reach its working size (on Node 24
  // it grows by a few tens of MB there), so what the next two measure is the bodies alone.
  await attemptEverywhere(url);
  await attemptEverywhere(url);
  const before = residentBytes(pid);
  await attemptEverywhere(url);
  await attemptEverywhere(url);
  const grown = residentBytes(pid) - before;
  // Twenty-eight more 32 MB attempts (896 MB sent): were even two of them kept, this would fail.
  expect(grown, `resident memory grew by ${Math.round(grown / MB)} MB`).toBeLessThan(2 * BODY_BYTES);
  expect((await page.request.get(url("/api/health"))).status()).toBe(200);
  await page.goto(url("/login"));
  await expect(page.getByRole("button", { name: "Continue with Dev IdP", exact: true })).toBeVisible();
});

test("with TRUSTED_PROXY_HOPS=0 counts clients by their connection: a forged X-Forwarded-For buys no fresh sign-in allowance", async ({
  request,
}) => {
  const start = (forged: string) =>
    request.post(`${instance.url}/api/auth/signin/dev-idp`, {
      headers: { "x-forwarded-for": forged, "x-oauth-next-app-peer": forged },
      maxRedirects: 0,
    });
  const statuses = [];
  for (const forged of ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"]) statuses.push((await start(forged)).status());
  expect(statuses.slice(0, 3).every((status) => status !== 429)).toBe(true);
  expect(statuses[3]).toBe(429);
});
