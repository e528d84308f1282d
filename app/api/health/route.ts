import { appSessionCacheState } from "@/lib/app-session-cache";
import { db } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { createHealthHandler } from "@/lib/health";

// Load balancers and uptime checks poll this (lib/health.ts).
export const dynamic = "force-dynamic";

let handler: ((request: Request) => Promise<Response>) | undefined;

export function GET(request: Request): Promise<Response> {
  handler ??= createHealthHandler({ ping: () => db.$queryRaw`SELECT 1`, details: getEnv().healthDetails, sessionCacheState: appSessionCacheState });
  return handler(request);
}
