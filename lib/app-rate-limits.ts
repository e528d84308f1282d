import "server-only";

import type { RateLimitDeps } from "@/lib/security/rate-limits/apply";
import { db } from "@/lib/db";
import { getEnv } from "@/lib/config/env";

/** lib/security/rate-limits/apply.ts's dependencies, bound to the app's database, configuration and clock. */
export function appRateLimitDeps(): RateLimitDeps & { secret: string | string[] } {
  const env = getEnv();
  return { db, limits: env.rateLimits, now: () => new Date(), secret: env.authSecret, proxyHops: env.trustedProxyHops };
}
