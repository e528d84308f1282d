import { appSessionCacheState } from "@/lib/app-session-cache";
import { db } from "@/lib/db";
import { getEnv } from "@/lib/config/env";
import { createHealthHandler } from "@/lib/http/health";

// Load balancers and uptime checks poll this (lib/http/health.ts).
export const dynamic = "force-dynamic";

let handler: ((request: Request) => Promise<Response>) | undefined;

export function GET(request: Request): Promise<Response> {
  handler ??= createHealthHandler({ ping: () => db.$queryRaw`SELECT 1`, details: getEnv().healthDetails, sessionCacheState: appSessionCacheState });
  return handler(request);
}
