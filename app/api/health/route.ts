import { NO_STORE } from "@/lib/api-response";
import { appSessionCacheState } from "@/lib/app-session-cache";
import { db } from "@/lib/db";

// Load balancers and uptime checks poll this; `?live=1` answers from the process alone (liveness),
// the default also proves the database answers (readiness).
export const dynamic = "force-dynamic";

// Generous enough for the first query of a cold start (opening the embedded database takes 1-3 s).
const DB_TIMEOUT_MS = 5_000;

async function databaseAnswers(): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("database health check timed out")), DB_TIMEOUT_MS);
    });
    await Promise.race([db.$queryRaw`SELECT 1`, timeout]);
    return true;
  } catch (error) {
    console.error(`[health] database check failed: ${(error as Error)?.message?.split("\n")[0] ?? "error"}`);
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export async function GET(request: Request): Promise<Response> {
  if (new URL(request.url).searchParams.get("live") === "1") {
    return Response.json({ status: "ok" }, { headers: NO_STORE });
  }
  const ok = await databaseAnswers();
  return Response.json(
    ok ? { status: "ok", db: "ok", sessionCache: appSessionCacheState() } : { status: "error", db: "down" },
    { status: ok ? 200 : 503, headers: NO_STORE },
  );
}
