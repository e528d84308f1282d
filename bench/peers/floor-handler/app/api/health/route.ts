// The bare app's probe in the shape of the app's (lib/http/health.ts): a handler made once, reading
// `?live=1` from the request's URL, answering from an async function. (The app checks its database
// without `?live=1`; the bench calls only the live probe, so only that answer is here.)
export const dynamic = "force-dynamic";

const NO_STORE = { "Cache-Control": "no-store" } as const;

let handler: ((request: Request) => Promise<Response>) | undefined;

function createHandler(): (request: Request) => Promise<Response> {
  return async (request) => {
    if (new URL(request.url).searchParams.get("live") !== "1") return new Response(null, { status: 404, headers: NO_STORE });
    return Response.json({ status: "ok" }, { headers: NO_STORE });
  };
}

export function GET(request: Request): Promise<Response> {
  handler ??= createHandler();
  return handler(request);
}
