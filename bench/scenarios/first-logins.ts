/**
 * Scenario 5: many people signing in for the first time at once (5), and the 3 built-in people
 * signing in many times at once (5s), each followed by a check of the database for duplicates.
 */
import { performance } from "node:perf_hooks";

import { ALICE, BOB, EVE } from "../lib/config";
import { benchUsers } from "../lib/idp-users";
import type { Row } from "../lib/report";
import { withClient } from "../lib/servers";
import { signIn } from "../lib/signin";
import { percentile, round } from "../lib/stats";

import { pool, status, type Context, type Scenario } from "./helpers";

async function rowCounts(databaseUrl: string, emailPattern: string | undefined) {
  return withClient(databaseUrl, async (client) => {
    const one = async (sql: string, params: unknown[] = []) => Number((await client.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0);
    const where = emailPattern ? `WHERE u.email LIKE $1` : "";
    const params = emailPattern ? [emailPattern] : [];
    return {
      users: await one(`SELECT count(*) AS n FROM "User" u ${where}`, params),
      usersWithoutAccount: await one(
        `SELECT count(*) AS n FROM "User" u ${where ? `${where} AND` : "WHERE"} NOT EXISTS (SELECT 1 FROM "Account" a WHERE a."userId" = u.id)`,
        params,
      ),
      duplicateEmails: await one(
        `SELECT count(*) AS n FROM (SELECT email FROM "User" u ${where ? `${where} AND` : "WHERE"} email IS NOT NULL GROUP BY email HAVING count(*) > 1) d`,
        params,
      ),
      accounts: await one(`SELECT count(*) AS n FROM "Account" a JOIN "User" u ON u.id = a."userId" ${where}`, params),
      duplicateAccounts: await one(
        `SELECT count(*) AS n FROM (SELECT a.provider, a."providerAccountId" FROM "Account" a JOIN "User" u ON u.id = a."userId" ${where} GROUP BY 1, 2 HAVING count(*) > 1) d`,
        params,
      ),
      accountsPerSubject: await one(
        `SELECT coalesce(max(n), 0) AS n FROM (SELECT count(DISTINCT a."userId") AS n FROM "Account" a GROUP BY a.provider, a."providerAccountId") d`,
      ),
    };
  });
}

/** 5: distinct new people (the Dev IdP's extra users), or a "skip" row when it has none. */
async function distinctFirstLogins(ctx: Context): Promise<Row> {
  const { settings } = ctx;
  if (!ctx.idp.extraUsersSupported) {
    return {
      id: "5",
      scenario: `Concurrent first logins: ${settings.firstLogins} new users, c=${settings.firstLoginConcurrency}`,
      figure: "not run: the Dev IdP has 3 users",
      target: "0 errors, 0 duplicate rows",
      status: "skip",
      details: { reason: "startDevIdp() has no option for more users; see bench/README.md (extraUsers)" },
      note: "needs `extraUsers?: readonly DevUser[]` in startDevIdp's options (bench/idp.ts already passes it and checks that one such user can sign in); row 5s is a stand-in on the 3 built-in users meanwhile.",
    };
  }
  const users = benchUsers(settings.firstLogins);
  const started = performance.now();
  const { results, errors } = await pool(users.length, settings.firstLoginConcurrency, async (i) => {
    const user = users[i];
    if (!user) throw new Error("no user");
    return signIn(ctx.app.url, ctx.idp.issuer, user);
  });
  const seconds = (performance.now() - started) / 1000;
  const counts = await rowCounts(ctx.databaseUrl, "bench-user-%@bench.example");
  const pass =
    errors.length === 0 &&
    counts.users === users.length &&
    counts.accounts === users.length &&
    counts.duplicateEmails === 0 &&
    counts.usersWithoutAccount === 0;
  return {
    id: "5",
    scenario: `Concurrent first logins: ${users.length} new users, c=${settings.firstLoginConcurrency}`,
    figure: `errors ${errors.length}, duplicates ${counts.duplicateEmails + counts.usersWithoutAccount + Math.max(0, counts.users - users.length)}, ${round(results.length / seconds, 1)} sign-ins/s`,
    target: "0 errors, 0 duplicate rows",
    status: status(pass),
    details: {
      users: users.length,
      concurrency: settings.firstLoginConcurrency,
      seconds: round(seconds, 2),
      signInsPerSecond: round(results.length / seconds, 2),
      errors: errors.slice(0, 20),
      rows: counts,
      callbackP95Ms: round(
        percentile(
          results.map((r) => r.callbackMs),
          95,
        ),
        1,
      ),
    },
  };
}

/**
 * 5s, a stand-in (or extra) on the built-in users: the same callback path under the same
 * concurrency, including several concurrent first logins of the same new person (eve, signed in
 * nowhere before).
 */
async function builtInSignIns(ctx: Context): Promise<Row> {
  const { settings } = ctx;
  const people = [EVE, ALICE, BOB];
  const count = ctx.idp.extraUsersSupported ? 60 : settings.firstLogins;
  const started = performance.now();
  const { results, errors } = await pool(count, settings.firstLoginConcurrency, (i) =>
    signIn(ctx.app.url, ctx.idp.issuer, people[i % people.length] ?? ALICE),
  );
  const seconds = (performance.now() - started) / 1000;
  const counts = await rowCounts(ctx.databaseUrl, undefined);
  const duplicates =
    counts.usersWithoutAccount + counts.duplicateEmails + counts.duplicateAccounts + Math.max(0, counts.accountsPerSubject - 1);
  return {
    id: "5s",
    scenario: `Concurrent sign-ins, 3 built-in users (eve new), c=${settings.firstLoginConcurrency}`,
    figure: `errors ${errors.length}/${count}, duplicates ${duplicates}, ${round(results.length / seconds, 1)} sign-ins/s`,
    target: "0 errors, 0 duplicate rows",
    status: status(errors.length === 0 && duplicates === 0),
    details: {
      signIns: count,
      concurrency: settings.firstLoginConcurrency,
      seconds: round(seconds, 2),
      errors: errors.slice(0, 20),
      rows: counts,
    },
    note: "not the scenario asked for (distinct new users) but the same code path at the same concurrency; eve's first login races itself.",
  };
}

export const firstLogins: Scenario = {
  id: "5",
  name: "concurrent first logins",
  run: async (ctx) => [await distinctFirstLogins(ctx), await builtInSignIns(ctx)],
};
