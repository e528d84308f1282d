import "server-only";

import type { SignInErrorCode } from "@/lib/auth/errors";
import type { Database } from "@/lib/db";
import { sweepAtMostEvery } from "@/lib/db/sweep";
import type { ClientInfo } from "@/lib/auth/request-context";

/**
 * Sign-ins and failed sign-ins, for /settings/activity ("was that me?").
 *
 * Whose failure is it? Only one the app knows for sure: a person already signed in (a valid,
 * unrevoked session cookie came with the request) whose reconnect failed. A failed sign-in by
 * someone not signed in is stored without a user, for operators, and is never shown to anyone:
 * the provider may have said who it was, but a failure is exactly when we do not trust that (a
 * forged callback, an ID token that did not verify, an email that belongs to another account).
 * Attaching it to the account it names would let a stranger write into someone's activity page.
 */

export const ACTIVITY_PAGE_SIZE = 50;
/** Older events are deleted (a sweep every few minutes while sign-ins happen), so the table does not grow forever. */
export const ACTIVITY_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;
const SWEEP_EVERY_MS = 10 * 60_000;

export type SignInResult = "success" | SignInErrorCode;

export interface SignInEventInput {
  userId: string | null;
  provider: string;
  result: SignInResult;
  client: ClientInfo;
  sessionId?: string | null;
}

export interface SignInActivity {
  id: string;
  provider: string;
  result: string;
  createdAt: Date;
  ip: string | null;
  userAgent: string | null;
}

const RESULT_LABELS: Record<SignInResult, string> = {
  success: "Signed in",
  access_denied: "Cancelled",
  provider_error: "Failed: the provider reported an error",
  provider_unreachable: "Failed: the provider could not be reached",
  state_mismatch: "Failed: expired or started in another browser",
  invalid_response: "Failed: the provider's answer did not verify",
  account_not_linked: "Failed: the email belongs to another account",
  link_not_requested: "Failed: another account came back while signed in",
  account_not_allowed: "Refused: this account may not sign in here",
  rate_limited: "Failed: too many attempts",
  provider_account_mismatch: "Failed: a different provider account",
  session_expired: "Failed: session expired",
  unavailable: "Failed: the service was briefly unavailable",
  signin_failed: "Failed",
};

/** A few words for the activity page; unknown values (from a later version) read as "Failed". */
export function describeSignInResult(result: string): string {
  return Object.hasOwn(RESULT_LABELS, result) ? RESULT_LABELS[result as SignInResult] : "Failed";
}

/** One INSERT on the sign-in's path; the retention sweep runs beside it, not awaited (lib/db/sweep.ts). */
export async function recordSignInEvent(db: Database, event: SignInEventInput, now: Date): Promise<void> {
  await db.signInEvent.create({
    data: {
      userId: event.userId,
      provider: event.provider.slice(0, 64),
      result: event.result,
      ip: event.client.ip,
      userAgent: event.client.userAgent,
      sessionId: event.sessionId ?? null,
      createdAt: now,
    },
    select: { id: true },
  });
  sweepAtMostEvery("sign-in-activity", SWEEP_EVERY_MS, now, () => sweepSignInActivity(db, now));
}

/** Deletes the events past their retention, through the `createdAt` index. Returns how many. */
export async function sweepSignInActivity(db: Database, now: Date): Promise<number> {
  const { count } = await db.signInEvent.deleteMany({ where: { createdAt: { lt: new Date(now.getTime() - ACTIVITY_RETENTION_MS) } } });
  return count;
}

/** The person's latest sign-ins and failures, newest first. */
export function listSignInActivity(db: Database, userId: string, limit = ACTIVITY_PAGE_SIZE): Promise<SignInActivity[]> {
  return db.signInEvent.findMany({
    where: { userId },
    select: { id: true, provider: true, result: true, createdAt: true, ip: true, userAgent: true },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit,
  });
}
