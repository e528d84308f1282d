import { createHealthHandler } from "@/lib/http/health";
import { db, getEnv, sessionCacheState } from "@/lib/services";

// Load balancers and uptime checks poll this (lib/http/health.ts).
export const dynamic = "force-dynamic";

let handler: ((request: Request) => Promise<Response>) | undefined;

export function GET(request: Request): Promise<Response> {
  handler ??= createHealthHandler({ ping: () => db.$queryRaw`SELECT 1`, details: getEnv().healthDetails, sessionCacheState });
  return handler(request);
}
