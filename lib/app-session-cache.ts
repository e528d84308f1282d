import "server-only";

import { suspectDatabase } from "@/lib/db/availability";
import { openChangeFeed, transportFor, type ChangeFeed } from "@/lib/db/change-feed";
import { parseDatabaseUrl } from "@/lib/db/database-url";
import { getEnv } from "@/lib/config/env";
import { createSessionCache, type SessionCache } from "@/lib/session/cache";

/**
 * The app's session cache (lib/session/cache.ts) and the change feed that keeps it honest, one
 * per process (globalThis: the proxy and the app are separate bundles, and dev reloads modules).
 * The feed connects on the first request that checks a session, never at import (`next build` imports this).
 */

const KEY = Symbol.for("oauth-next-app.app-session-cache");
type Holder = { [KEY]?: { feed: ChangeFeed; cache: SessionCache } };

export function appSessionCache(): SessionCache | undefined {
  if (!getEnv().sessionCheckCache) return undefined;
  const holder = globalThis as Holder;
  if (!holder[KEY]) {
    const feed = openChangeFeed(transportFor(parseDatabaseUrl(process.env.DATABASE_URL)), {
      onTrouble: (message) => {
        console.warn(`[sessions] ${message}`);
        // A lost listening connection is often the first sign of an outage: the next page asks first.
        suspectDatabase();
      },
    });
    holder[KEY] = { feed, cache: createSessionCache(feed) };
  }
  return holder[KEY].cache;
}

/**
 * For /api/health: "off" (SESSION_CHECK_CACHE=0), "idle" (no request has checked a session yet, so no feed),
 * "live" (answers may come from memory), "waiting" (the feed is connecting or lost: every check
 * reads the database).
 */
export function appSessionCacheState(): "off" | "idle" | "live" | "waiting" {
  if (!getEnv().sessionCheckCache) return "off";
  const current = (globalThis as Holder)[KEY];
  if (!current) return "idle";
  return current.cache.live() ? "live" : "waiting";
}

/** Shutdown: close the feed's connection (for PGlite, its hold on the data folder). */
export async function closeAppSessionCache(): Promise<void> {
  const holder = globalThis as Holder;
  const current = holder[KEY];
  holder[KEY] = undefined;
  await current?.feed.close();
}
