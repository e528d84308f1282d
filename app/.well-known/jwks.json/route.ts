import { signingKeys } from "@/lib/app-signing-keys";

/**
 * The public keys of the API's bearer tokens (lib/signing-keys.ts), for clients and other services
 * that verify them. Cacheable for 5 minutes: a new key is listed an hour before it signs anything,
 * and a retired one stays listed until its last token has expired.
 */
export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const keys = await signingKeys().publishedKeys(new Date());
  return Response.json({ keys }, { headers: { "Cache-Control": "public, max-age=300" } });
}
