/**
 * JSON error bodies for the API: a stable machine-readable code, the right status, and nothing
 * from the server's internals. Responses about a person are never cached by intermediaries.
 */

export const NO_STORE = { "Cache-Control": "no-store" } as const;

export function jsonError(status: number, error: string, headers: HeadersInit = {}): Response {
  return Response.json({ error }, { status, headers: { ...NO_STORE, ...headers } });
}

export function unauthorizedJson(): Response {
  return jsonError(401, "unauthorized");
}
