// What the app's liveness probe answers (GET /api/health?live=1), with nothing around it.
export const dynamic = "force-dynamic";

export function GET(): Response {
  return Response.json({ status: "ok" }, { headers: { "Cache-Control": "no-store" } });
}
