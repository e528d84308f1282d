import "server-only";

import { appSessionCache } from "@/lib/app-session-cache";
import { signingKeys } from "@/lib/app-signing-keys";
import type { AuthDeps } from "@/lib/session/authenticate";
import { db } from "@/lib/db";
import { getEnv } from "@/lib/config/env";
import { sessionPolicy } from "@/lib/config/session-policy";
import type { SigningKeyStore } from "@/lib/api-tokens/signing-keys";

/** lib/session/authenticate.ts's dependencies, bound to the app's database, configuration, keys and clock. */
export function appAuthDeps(): AuthDeps & { keys: SigningKeyStore } {
  const env = getEnv();
  return {
    db,
    policy: sessionPolicy(),
    secret: env.authSecret,
    authUrl: env.authUrl,
    keys: signingKeys(),
    now: () => new Date(),
    rateLimits: env.rateLimits,
    proxyHops: env.trustedProxyHops,
    sessionCache: appSessionCache(),
  };
}
