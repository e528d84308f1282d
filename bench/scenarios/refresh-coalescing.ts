/**
 * Scenario 4: bursts of concurrent requests that all need Bob's provider access token just as it
 * is due: the IdP must see exactly one refresh per burst.
 */
import { performance } from "node:perf_hooks";

import { ACCESS_TOKEN_TTL_SECONDS, APP_REFRESH_SKEW_SECONDS, BOB, sleep, TARGETS } from "../lib/config";
import { ms, type Row } from "../lib/report";
import { signIn } from "../lib/signin";
import { percentile, round } from "../lib/stats";

import { status, type Context, type Scenario } from "./helpers";

interface Burst {
  refreshes: number;
  refused: number;
  statuses: Record<string, number>;
  p50Ms: number;
  p95Ms: number;
  burstMs: number;
}

/** One burst of concurrent requests, with the IdP's counters read before and after. */
async function burst(ctx: Context, url: string, headers: Record<string, string>): Promise<{ burst: Burst; latencies: number[] }> {
  const before = await ctx.idp.counters();
  const burstStarted = performance.now();
  const results = await Promise.all(
    Array.from({ length: ctx.settings.refreshConcurrency }, async () => {
      const started = performance.now();
      const response = await fetch(url, { headers });
      await response.arrayBuffer();
      return { status: response.status, ms: performance.now() - started };
    }),
  );
  const burstMs = performance.now() - burstStarted;
  await sleep(200);
  const after = await ctx.idp.counters();
  const statuses: Record<string, number> = {};
  for (const result of results) statuses[result.status] = (statuses[result.status] ?? 0) + 1;
  const latencies = results.map((result) => result.ms);
  return {
    burst: {
      refreshes: after.grants.refresh_token - before.grants.refresh_token,
      refused: after.refreshRefused - before.refreshRefused,
      statuses,
      p50Ms: round(percentile(latencies, 50), 1),
      p95Ms: round(percentile(latencies, 95), 1),
      burstMs: round(burstMs, 0),
    },
    latencies,
  };
}

function refreshRow(ctx: Context, rounds: Burst[], latencies: number[]): Row {
  const { settings } = ctx;
  const dueAfterMs = (ACCESS_TOKEN_TTL_SECONDS - APP_REFRESH_SKEW_SECONDS) * 1000;
  const tooLong = rounds.filter((r) => r.burstMs >= dueAfterMs).length;
  const allOk = rounds.every(
    (r) => r.refreshes === TARGETS.refreshes && r.refused === 0 && r.statuses["200"] === settings.refreshConcurrency,
  );
  const p95 = round(percentile(latencies, 95), 1);
  return {
    id: "4",
    scenario: `Refresh coalescing: ${settings.refreshConcurrency} concurrent, expired token`,
    figure: `refreshes ${rounds.map((r) => r.refreshes).join("/")}; p95 ${ms(p95)}`,
    target: "1 refresh per burst, all 200",
    status: status(allOk),
    details: { rounds, p50Ms: round(percentile(latencies, 50), 1), p95Ms: p95, accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS },
    note:
      `refreshes = successful refresh_token grants at the IdP per burst (its /__test/stats); refused refresh requests ${rounds.map((r) => r.refused).join("/")}; ` +
      `latency per request, client side, over ${rounds.length} burst(s) of ${rounds.map((r) => `${r.burstMs} ms`).join("/")}` +
      (tooLong
        ? `; ${tooLong} burst(s) lasted longer than a refreshed token stays fresh (${dueAfterMs} ms), so a 2nd refresh there is expected`
        : "") +
      ".",
  };
}

async function refreshCoalescingRows(ctx: Context): Promise<Row[]> {
  const bob = await signIn(ctx.app.url, ctx.idp.issuer, BOB);
  const url = `${ctx.app.url}/api/provider/profile`;
  const headers = { cookie: bob.cookieHeader };
  const first = await fetch(url, { headers });
  if (first.status !== 200) throw new Error(`GET /api/provider/profile answered ${first.status}: ${(await first.text()).slice(0, 200)}`);
  await first.arrayBuffer();
  const rounds: Burst[] = [];
  const latencies: number[] = [];
  for (let r = 0; r < ctx.settings.refreshRounds; r++) {
    // The access token was issued just now (sign-in or the previous burst's refresh); it is due
    // (ACCESS_TOKEN_TTL - 60 s) after that: wait that long and half a second more.
    await sleep((ACCESS_TOKEN_TTL_SECONDS - APP_REFRESH_SKEW_SECONDS) * 1000 + 500);
    const got = await burst(ctx, url, headers);
    rounds.push(got.burst);
    latencies.push(...got.latencies);
  }
  return [refreshRow(ctx, rounds, latencies)];
}

export const refreshCoalescing: Scenario = { id: "4", name: "refresh coalescing", run: refreshCoalescingRows };
