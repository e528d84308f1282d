import "server-only";

import { randomBytes } from "node:crypto";

import type { Database } from "@/lib/db";
import type { ClientInfo } from "@/lib/auth/request-context";
import { forgetAllSessions, type CachedSessionRow, type SessionCache } from "@/lib/session/cache";
import type { SessionPolicy } from "@/lib/config/session-policy";

/**
 * The session registry: one UserSession row per sign-in, whose id is the `sid` claim of the
 * session cookie (and of every bearer token issued from it). A JWT cookie on its own cannot be
 * taken back; this row can. lib/dal.ts looks it up on every request and refuses the session once
 * it is revoked (sign-out, "Sign out" on another device, back-channel logout), idle for longer
 * than the idle timeout, or older than the absolute lifetime.
 *
 * All state is in the database. `checkSession` may answer from a SessionCache (lib/session/cache.ts),
 * which the database's own change notifications keep honest across instances; every revocation
 * written here also clears this process's caches at once. Every function takes `now`, so tests
 * use a fake clock.
 */

/** Last-seen is written at most this often: a busy session costs one write a minute, not one per request. */
export const LAST_SEEN_RESOLUTION_MS = 60_000;

export type RevokeReason = "signed_out" | "revoked" | "revoked_elsewhere" | "backchannel_logout" | "replaced";

export interface SessionUser {
  id: string;
  name: string | null;
  email: string | null;
  image: string | null;
  /** The providers linked to the account, oldest link first. */
  linkedProviders: string[];
}

export interface ActiveSession {
  id: string;
  provider: string;
  createdAt: Date;
  lastSeenAt: Date;
  user: SessionUser;
}

export interface SessionListing {
  id: string;
  provider: string;
  createdAt: Date;
  lastSeenAt: Date;
  ip: string | null;
  userAgent: string | null;
}

/** 256 random bits: the session id is unguessable, and a new one is made at every sign-in (no fixation). */
export function newSessionId(): string {
  return randomBytes(32).toString("base64url");
}

export interface StartSession {
  userId: string;
  provider: string;
  /** The provider's `sid` (from its ID token), for back-channel logout. */
  providerSid: string | null;
  client: ClientInfo;
  /** The session this browser held until now (its cookie is being replaced): revoked in the same transaction. */
  replacing?: string | null;
}

export async function startSession(db: Database, input: StartSession, now: Date): Promise<string> {
  const id = newSessionId();
  const create = db.userSession.create({
    data: {
      id,
      userId: input.userId,
      provider: input.provider,
      providerSid: input.providerSid,
      createdAt: now,
      lastSeenAt: now,
      ip: input.client.ip,
      userAgent: input.client.userAgent,
    },
    select: { id: true },
  });
  if (!input.replacing) {
    await create;
  } else {
    await db.$transaction([
      create,
      db.userSession.updateMany({
        where: { id: input.replacing, revokedAt: null },
        data: { revokedAt: now, revokedReason: "replaced" },
      }),
    ]);
    forgetAllSessions();
  }
  return id;
}

/** Rows that are still usable at `now` under `policy`. */
function activeWhere(policy: SessionPolicy, now: Date) {
  return {
    revokedAt: null,
    createdAt: { gt: new Date(now.getTime() - policy.absoluteLifetimeMs) },
    lastSeenAt: { gt: new Date(now.getTime() - policy.idleTimeoutMs) },
  };
}

interface SessionWithUser {
  id: string;
  provider: string;
  createdAt: Date;
  lastSeenAt: Date;
  revokedAt: Date | null;
  userId: string;
  name: string | null;
  email: string | null;
  image: string | null;
  linkedProviders: string[];
}

/**
 * The session and its user when the session is usable, else null. One statement: the session row
 * by primary key, joined to its user and the user's linked providers (a deleted user takes their
 * sessions with them, by cascade; a `sid` minted for someone else matches no row). It runs on
 * every signed-in request that the cache cannot answer, so it is one statement rather than three
 * queries (bench/README.md). Then a last-seen write at most once a minute, guarded so that
 * instances racing on the same session write it once.
 */
export async function checkSession(
  db: Database,
  claims: { sessionId: string; userId: string },
  policy: SessionPolicy,
  now: Date,
  cache?: SessionCache,
): Promise<ActiveSession | null> {
  const t = now.getTime();
  const answered = cachedSession(claims, policy, now, cache);
  if (answered !== undefined) return answered;
  const ticket = cache?.ticket() ?? 0;
  const [session] = await db.$queryRaw<SessionWithUser[]>`
    SELECT s."id", s."provider", s."createdAt", s."lastSeenAt", s."revokedAt", u."id" AS "userId", u."name", u."email", u."image",
      ARRAY(SELECT a."provider" FROM "Account" a WHERE a."userId" = u."id" ORDER BY a."createdAt", a."provider") AS "linkedProviders"
    FROM "UserSession" s JOIN "User" u ON u."id" = s."userId"
    WHERE s."id" = ${claims.sessionId} AND s."userId" = ${claims.userId}`;
  if (!session || session.revokedAt || !usable(session, policy, t)) {
    cache?.forget(claims.sessionId);
    return null;
  }
  let lastSeenAt = session.lastSeenAt;
  if (t - lastSeenAt.getTime() >= LAST_SEEN_RESOLUTION_MS) {
    await db.userSession.updateMany({
      where: { id: session.id, lastSeenAt: { lte: new Date(t - LAST_SEEN_RESOLUTION_MS) } },
      data: { lastSeenAt: now },
    });
    lastSeenAt = now;
  }
  const { revokedAt: _, ...fields } = session;
  const row: CachedSessionRow = { ...fields, lastSeenAt };
  cache?.put(ticket, row);
  return usable(row, policy, t);
}

/**
 * `checkSession`'s answer from the cache alone, synchronously (no promise on the path most signed-in
 * requests take): the session, or null when the cached row is no longer usable; undefined when the
 * database must be asked (not cached, someone else's, or due for its last-seen write).
 */
export function cachedSession(
  claims: { sessionId: string; userId: string },
  policy: SessionPolicy,
  now: Date,
  cache?: SessionCache,
): ActiveSession | null | undefined {
  const cached = cache?.get(claims.sessionId);
  const t = now.getTime();
  // A cached row is judged like a fresh one; one that is due for its last-seen write is not used.
  if (!cached || cached.userId !== claims.userId || t - cached.lastSeenAt.getTime() >= LAST_SEEN_RESOLUTION_MS) return undefined;
  return usable(cached, policy, t);
}

/** The row as an ActiveSession when the idle timeout and the absolute lifetime both allow it at `t`. */
function usable(row: CachedSessionRow, policy: SessionPolicy, t: number): ActiveSession | null {
  if (t - row.createdAt.getTime() >= policy.absoluteLifetimeMs) return null;
  if (t - row.lastSeenAt.getTime() >= policy.idleTimeoutMs) return null;
  return {
    id: row.id,
    provider: row.provider,
    createdAt: row.createdAt,
    lastSeenAt: row.lastSeenAt,
    // A copy: the cached row outlives this request, whatever its caller does with the answer.
    user: { id: row.userId, name: row.name, email: row.email, image: row.image, linkedProviders: [...row.linkedProviders] },
  };
}

/** The person's usable sessions, most recently used first. */
export function listActiveSessions(db: Database, userId: string, policy: SessionPolicy, now: Date): Promise<SessionListing[]> {
  return db.userSession.findMany({
    where: { userId, ...activeWhere(policy, now) },
    select: { id: true, provider: true, createdAt: true, lastSeenAt: true, ip: true, userAgent: true },
    orderBy: [{ lastSeenAt: "desc" }, { createdAt: "desc" }],
  });
}

/** Sign-out: this session is over, and its cookie (or a copy of it) will never work again. */
export async function revokeSession(db: Database, sessionId: string, reason: RevokeReason, now: Date): Promise<boolean> {
  const { count } = await db.userSession.updateMany({
    where: { id: sessionId, revokedAt: null },
    data: { revokedAt: now, revokedReason: reason },
  });
  forgetAllSessions();
  return count > 0;
}

/**
 * "Sign out" next to one of the person's sessions. The owner is part of the condition, so an id
 * of somebody else's session (typed into the form by hand) matches nothing.
 */
export async function revokeOwnSession(db: Database, userId: string, sessionId: string, now: Date): Promise<boolean> {
  const { count } = await db.userSession.updateMany({
    where: { id: sessionId, userId, revokedAt: null },
    data: { revokedAt: now, revokedReason: "revoked" },
  });
  forgetAllSessions();
  return count > 0;
}

/** "Sign out everywhere else": every other session of this person. */
export async function revokeOtherSessions(db: Database, userId: string, keepSessionId: string, now: Date): Promise<number> {
  const { count } = await db.userSession.updateMany({
    where: { userId, id: { not: keepSessionId }, revokedAt: null },
    data: { revokedAt: now, revokedReason: "revoked_elsewhere" },
  });
  forgetAllSessions();
  return count;
}

/**
 * OIDC Back-Channel Logout (§2.7): the provider ended its session `providerSid` and/or every
 * session of its user `subject`. The subject is the provider's, so it is matched through the
 * linked Account; with both, only sessions matching both are revoked.
 */
export async function revokeProviderSessions(
  db: Database,
  target: { provider: string; providerSid?: string; subject?: string },
  now: Date,
): Promise<number> {
  if (!target.providerSid && !target.subject) return 0;
  const { count } = await db.userSession.updateMany({
    where: {
      provider: target.provider,
      revokedAt: null,
      ...(target.providerSid ? { providerSid: target.providerSid } : {}),
      ...(target.subject ? { user: { accounts: { some: { provider: target.provider, providerAccountId: target.subject } } } } : {}),
    },
    data: { revokedAt: now, revokedReason: "backchannel_logout" },
  });
  forgetAllSessions();
  return count;
}
