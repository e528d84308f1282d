/**
 * How long a signed-in session may live, enforced on the server (lib/session/registry.ts) whatever
 * the cookie says: Auth.js alone slides a JWT session forever as long as it is used.
 *
 * - idle timeout: a session not used for this long is over (rolling: every use restarts it);
 * - absolute lifetime: a session is over this long after its sign-in, however busy.
 *
 * SESSION_IDLE_TIMEOUT and SESSION_MAX_LIFETIME take a whole number with a unit: `90s`, `30m`,
 * `12h`, `7d` (or plain seconds). Pure, so every rule is unit-tested; lib/config/env.ts validates them with
 * the rest of the configuration at start-up and keeps the result (`AppEnv.sessionPolicy`).
 */

export interface SessionPolicy {
  idleTimeoutMs: number;
  absoluteLifetimeMs: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleTimeoutMs: 7 * DAY, absoluteLifetimeMs: 30 * DAY };

/** Last-seen is written at most once a minute, so a shorter idle timeout could not be measured. */
const MIN_DURATION_MS = 5 * MINUTE;
/** Beyond this a session is as good as unrevocable by time; almost surely a typo. */
const MAX_DURATION_MS = 400 * DAY;

const UNITS: Record<string, number> = { s: SECOND, m: MINUTE, h: HOUR, d: DAY };

export class SessionPolicyError extends Error {
  override name = "SessionPolicyError";
}

/** `7d`, `12h`, `30m`, `90s` or plain seconds → milliseconds; null when unreadable. */
export function parseDuration(raw: string): number | null {
  const match = /^(\d{1,9})\s*([smhd]?)$/i.exec(raw.trim());
  if (!match) return null;
  return Number(match[1]) * UNITS[(match[2] || "s").toLowerCase()]!;
}

function duration(source: Record<string, string | undefined>, name: string, fallback: number, problems: string[]): number {
  const raw = source[name]?.trim();
  if (!raw) return fallback;
  const ms = parseDuration(raw);
  if (ms === null) {
    problems.push(`${name} must be a duration like 7d, 12h or 30m (got "${raw}").`);
    return fallback;
  }
  if (ms < MIN_DURATION_MS || ms > MAX_DURATION_MS) {
    problems.push(`${name} must be between 5m and 400d (got "${raw}").`);
    return fallback;
  }
  return ms;
}

export function parseSessionPolicy(source: Record<string, string | undefined>): SessionPolicy {
  const problems: string[] = [];
  const idleTimeoutMs = duration(source, "SESSION_IDLE_TIMEOUT", DEFAULT_SESSION_POLICY.idleTimeoutMs, problems);
  const absoluteLifetimeMs = duration(source, "SESSION_MAX_LIFETIME", DEFAULT_SESSION_POLICY.absoluteLifetimeMs, problems);
  if (problems.length === 0 && idleTimeoutMs > absoluteLifetimeMs) {
    problems.push("SESSION_IDLE_TIMEOUT must not be longer than SESSION_MAX_LIFETIME (a session could never be idle that long).");
  }
  if (problems.length > 0) throw new SessionPolicyError(problems.join("\n"));
  return { idleTimeoutMs, absoluteLifetimeMs };
}
