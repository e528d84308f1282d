import { createHash } from "node:crypto";

import type { Database } from "@/lib/db";
import { sweepAtMostEvery } from "@/lib/db/sweep";

/**
 * Rate limits kept in the database, so every instance behind the load balancer counts the same
 * attempts: an attacker who spreads requests over instances gets no more tries than one who
 * hammers a single one, and a restart forgets nothing.
 *
 * Fixed windows per bucket: a bucket's window starts at its first hit and lasts `windowSeconds`;
 * the hit that finds the window over starts a new one at 1. Each hit is one INSERT … ON CONFLICT
 * DO UPDATE … RETURNING, so concurrent hits (from any number of processes) are counted exactly:
 * PostgreSQL serialises them on the row. Expired rows are deleted by a sweep that runs at most
 * every few minutes per process, through the `resetAt` index.
 *
 * The rules and their environment variables (`RATE_LIMIT_*`, read by lib/config/env.ts):
 *   signInIp       sign-in starts (the login buttons' server action, POST /api/auth/signin/*) per client IP
 *   signInAccount  sign-in starts by a signed-in person (reconnect, link) per user
 *   callbackIp     provider callbacks (/api/auth/callback/*) per client IP
 *   bearerIp       refused `Authorization: Bearer` tokens per client IP
 *   bearerAccount  refused bearer tokens that we did sign (expired, of an ended session) per user
 */

export interface RateLimitRule {
  /** Attempts allowed per window; the next one is refused until the window ends. */
  limit: number;
  windowSeconds: number;
}

export type RateLimitName = "signInIp" | "signInAccount" | "callbackIp" | "bearerIp" | "bearerAccount";

/** A rule per name; null turns that limit off. */
export type RateLimits = Record<RateLimitName, RateLimitRule | null>;

/**
 * Generous enough that a person (or an office behind one NAT address) never meets them while
 * signing in normally; tight enough that scripted abuse is throttled to a crawl.
 */
export const DEFAULT_RATE_LIMITS: Readonly<RateLimits> = Object.freeze({
  signInIp: { limit: 30, windowSeconds: 60 },
  signInAccount: { limit: 10, windowSeconds: 60 },
  callbackIp: { limit: 30, windowSeconds: 60 },
  bearerIp: { limit: 30, windowSeconds: 60 },
  bearerAccount: { limit: 10, windowSeconds: 60 },
});

export const RATE_LIMIT_VARIABLES: Readonly<Record<RateLimitName, string>> = Object.freeze({
  signInIp: "RATE_LIMIT_SIGN_IN_IP",
  signInAccount: "RATE_LIMIT_SIGN_IN_ACCOUNT",
  callbackIp: "RATE_LIMIT_CALLBACK_IP",
  bearerIp: "RATE_LIMIT_BEARER_IP",
  bearerAccount: "RATE_LIMIT_BEARER_ACCOUNT",
});

const MAX_LIMIT = 1_000_000;
const MAX_WINDOW_SECONDS = 24 * 3600;

/** `<attempts>/<seconds>` (e.g. `30/60`, `30/60s`) or `off`; returns the rule, or a sentence saying what is wrong. */
export function parseRateLimitRule(variable: string, raw: string): RateLimitRule | null | string {
  const value = raw.trim().toLowerCase();
  if (value === "off" || value === "0") return null;
  const match = /^(\d+)\s*\/\s*(\d+)\s*s?$/.exec(value);
  const limit = match ? Number(match[1]) : NaN;
  const windowSeconds = match ? Number(match[2]) : NaN;
  if (!match || limit < 1 || limit > MAX_LIMIT || windowSeconds < 1 || windowSeconds > MAX_WINDOW_SECONDS) {
    return `${variable} must be "<attempts>/<seconds>" (e.g. "30/60": 30 attempts per 60 seconds; 1–${MAX_LIMIT} attempts, 1–${MAX_WINDOW_SECONDS} seconds) or "off" (got "${raw}").`;
  }
  return { limit, windowSeconds };
}

/** Every `RATE_LIMIT_*` variable over the defaults; problems are named, one sentence each. */
export function parseRateLimits(source: Record<string, string | undefined>): { limits: RateLimits; errors: string[] } {
  const limits: RateLimits = { ...DEFAULT_RATE_LIMITS };
  const errors: string[] = [];
  for (const [name, variable] of Object.entries(RATE_LIMIT_VARIABLES) as [RateLimitName, string][]) {
    const raw = source[variable];
    if (raw === undefined || raw.trim() === "") continue;
    const parsed = parseRateLimitRule(variable, raw);
    if (typeof parsed === "string") errors.push(parsed);
    else limits[name] = parsed;
  }
  return { limits, errors };
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Attempts counted in the current window, this one included. */
  count: number;
  limit: number;
  resetAt: Date;
  /** Whole seconds until the window ends (at least 1): the Retry-After header. */
  retryAfterSeconds: number;
}

/** Buckets hold a hash, never the IP address or user id itself: the table is not a visitor log. */
export function bucketKey(name: RateLimitName, subject: string): string {
  return `${name}:${createHash("sha256").update(`${name}\0${subject}`).digest("base64url")}`;
}

function decision(rule: RateLimitRule, count: number, resetAt: Date, now: Date): RateLimitDecision {
  return {
    allowed: count <= rule.limit,
    count,
    limit: rule.limit,
    resetAt,
    retryAfterSeconds: Math.max(1, Math.ceil((resetAt.getTime() - now.getTime()) / 1000)),
  };
}

/** Counts one attempt against `subject`'s bucket of `name` and says whether it is within the limit. */
export async function hitRateLimit(
  db: Database,
  name: RateLimitName,
  rule: RateLimitRule,
  subject: string,
  now: Date = new Date(),
): Promise<RateLimitDecision> {
  const key = bucketKey(name, subject);
  const nextReset = new Date(now.getTime() + rule.windowSeconds * 1000);
  // One statement: a new bucket starts at 1; an existing one whose window is over starts again at
  // 1; otherwise +1. ON CONFLICT locks the row, so concurrent hits each see the previous count.
  const rows = await db.$queryRaw<{ count: number; resetAt: Date }[]>`
    INSERT INTO "RateLimit" ("key", "count", "resetAt")
    VALUES (${key}, 1, ${nextReset})
    ON CONFLICT ("key") DO UPDATE SET
      "count"   = CASE WHEN "RateLimit"."resetAt" <= ${now} THEN 1 ELSE "RateLimit"."count" + 1 END,
      "resetAt" = CASE WHEN "RateLimit"."resetAt" <= ${now} THEN EXCLUDED."resetAt" ELSE "RateLimit"."resetAt" END
    RETURNING "count", "resetAt"`;
  const row = rows[0];
  if (!row) throw new Error("rate limit upsert returned no row");
  sweepAtMostEvery("rate-limit", SWEEP_EVERY_MS, now, () => sweepRateLimits(db, now));
  return decision(rule, Number(row.count), new Date(row.resetAt), now);
}

/** Deletes buckets whose window is over (they would restart at 1 anyway). Returns how many. */
export async function sweepRateLimits(db: Database, now: Date = new Date()): Promise<number> {
  return db.$executeRaw`DELETE FROM "RateLimit" WHERE "resetAt" <= ${now}`;
}

const SWEEP_EVERY_MS = 5 * 60_000;

/** The first refused decision of several, or null when all are allowed. */
export function firstRefusal(decisions: readonly (RateLimitDecision | null)[]): RateLimitDecision | null {
  const refused = decisions.filter((d): d is RateLimitDecision => d !== null && !d.allowed);
  if (refused.length === 0) return null;
  return refused.reduce((a, b) => (b.retryAfterSeconds > a.retryAfterSeconds ? b : a));
}
