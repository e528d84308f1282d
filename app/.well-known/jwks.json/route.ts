import { createHash } from "node:crypto";

import type { JWK } from "jose";

import { signingKeys } from "@/lib/services";

/**
 * The public keys of the API's bearer tokens (lib/api-tokens/signing-keys.ts), for clients and other services
 * that verify them. Answered from memory (no query, no key import per request), with an ETag so a
 * verifier that polls gets 304. Cacheable for 5 minutes: a new key is listed an hour before it
 * signs anything, and a retired one stays listed until its last token has expired.
 */
export const dynamic = "force-dynamic";

const CACHE_CONTROL = "public, max-age=300";

// The store hands back the same array while the set is unchanged: serialise it once.
const bodies = new WeakMap<readonly JWK[], { body: string; etag: string }>();

function bodyOf(keys: readonly JWK[]): { body: string; etag: string } {
  let kept = bodies.get(keys);
  if (!kept) {
    const body = JSON.stringify({ keys });
    kept = { body, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"` };
    bodies.set(keys, kept);
  }
  return kept;
}

export async function GET(request: Request): Promise<Response> {
  const { body, etag } = bodyOf(await (await signingKeys()).publishedKeys(new Date()));
  const headers = { "Cache-Control": CACHE_CONTROL, ETag: etag };
  if (request.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
  return new Response(body, { headers: { ...headers, "Content-Type": "application/json" } });
}
