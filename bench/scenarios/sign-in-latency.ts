/** Scenario 3: sequential complete sign-ins by HTTP (3a), and their callback request alone (3b). */
import { ALICE, TARGETS } from "../lib/config";
import { ms, type Row } from "../lib/report";
import { signIn } from "../lib/signin";
import { percentile, round } from "../lib/stats";

import { status, type Context, type Scenario } from "./helpers";

async function signInLatencyRows(ctx: Context): Promise<Row[]> {
  const { settings } = ctx;
  for (let i = 0; i < settings.signInWarmup; i++) await signIn(ctx.app.url, ctx.idp.issuer, ALICE);
  const totals: number[] = [];
  const callbacks: number[] = [];
  for (let i = 0; i < settings.signIns; i++) {
    const result = await signIn(ctx.app.url, ctx.idp.issuer, ALICE);
    totals.push(result.totalMs);
    callbacks.push(result.callbackMs);
  }
  const p = (values: number[], q: number) => round(percentile(values, q), 1);
  const details = {
    signIns: settings.signIns,
    warmupSignIns: settings.signInWarmup,
    sequential: true,
    totalMs: { p50: p(totals, 50), p95: p(totals, 95), max: p(totals, 100) },
    callbackMs: { p50: p(callbacks, 50), p95: p(callbacks, 95), max: p(callbacks, 100) },
    measuredAs:
      "client side: the duration of GET /api/auth/callback/dev-idp (request sent → 302 with the session cookie read), on loopback",
  };
  return [
    {
      id: "3a",
      scenario: `Sign-in, complete flow (${settings.signIns}, sequential)`,
      figure: `p50 ${ms(details.totalMs.p50)}, p95 ${ms(details.totalMs.p95)}`,
      target: "(reported)",
      status: "reported",
      details,
    },
    {
      id: "3b",
      scenario: "Sign-in, callback handler alone",
      figure: `p50 ${ms(details.callbackMs.p50)}, p95 ${ms(details.callbackMs.p95)}`,
      target: `p95 < ${TARGETS.callbackP95Ms} ms`,
      status: status(details.callbackMs.p95 < TARGETS.callbackP95Ms),
      details,
      note: "measured from the client as the callback request's duration (code exchange at the IdP, ID token check, user and account, tokens, session record, sign-in event, cookie), on loopback.",
    },
  ];
}

export const signInLatency: Scenario = { id: "3", name: "sign-in latency", run: signInLatencyRows };
