import { NextRequest } from "next/server";

import { jsonError } from "@/lib/http/responses";

/**
 * Request bodies have a size limit, checked before they are read: an anonymous client must not be
 * able to make the server hold a body of any size in memory. A declared Content-Length over the
 * limit is refused at once; a chunked body (no length) is counted as it streams and refused, and
 * its stream cancelled, the moment it passes the limit.
 *
 * Nothing this app accepts comes near it: sign-in forms and server actions are a few hundred bytes.
 * Server actions are limited the same way by next.config.mjs (serverActions.bodySizeLimit, and the
 * copy of the body Next.js makes for the proxy, proxyClientMaxBodySize) and by the proxy, which
 * refuses a declared length over the limit; a test keeps the numbers equal.
 */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

export function payloadTooLarge(): Response {
  return jsonError(413, "payload_too_large");
}

/** A Content-Length header above `limit` (an unreadable one counts as above: the client is lying). */
export function declaresTooLarge(headers: Headers, limit: number): boolean {
  const declared = headers.get("content-length");
  if (declared === null) return false;
  return !/^\d{1,15}$/.test(declared.trim()) || Number(declared) > limit;
}

/** The body, or null once it passes `limit` bytes (the rest is never read). */
export async function readBodyWithin(request: Request, limit: number): Promise<Buffer | null> {
  if (declaresTooLarge(request.headers, limit)) {
    await request.body?.cancel().catch(() => {});
    return null;
  }
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

const WITHOUT_BODY = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Wraps a route handler: a body over `limit` is answered 413 before the handler runs; otherwise the
 * handler gets the request with its body already read (so no later reader can go past the limit).
 */
export function withBodyLimit<R extends Request>(
  handler: (request: NextRequest) => Promise<Response>,
  limit: number = MAX_REQUEST_BODY_BYTES,
): (request: R) => Promise<Response> {
  return async (request) => {
    if (WITHOUT_BODY.has(request.method.toUpperCase())) {
      if (request instanceof NextRequest) return handler(request);
      // From its parts, never `new NextRequest(request)`: Next.js hands route handlers a Proxy, and
      // on Node 24 undici's Request constructor reads its input's private fields, which a Proxy lacks.
      return handler(new NextRequest(request.url, { method: request.method, headers: request.headers, signal: request.signal }));
    }
    const body = await readBodyWithin(request, limit);
    if (body === null) return payloadTooLarge();
    return handler(new NextRequest(request.url, { method: request.method, headers: request.headers, body: new Uint8Array(body) }));
  };
}

/**
 * For the proxy, on a page request (a server action is a POST to a page): a declared length over the
 * limit is refused 413 before Next.js reads the body. A body without a length (chunked) is refused
 * 411: browsers always send a length with a form or a server action, and Next.js hands server
 * actions a copy of the body cut at the limit, which could otherwise pass for a shorter, complete
 * body.
 */
export function pageBodyRefusal(method: string, headers: Headers, limit: number = MAX_REQUEST_BODY_BYTES): Response | null {
  if (WITHOUT_BODY.has(method.toUpperCase())) return null;
  if (declaresTooLarge(headers, limit)) return payloadTooLarge();
  if (!headers.has("content-length") && headers.has("transfer-encoding")) return jsonError(411, "length_required");
  return null;
}
