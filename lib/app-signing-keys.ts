import "server-only";

import { db } from "@/lib/db";
import { tokenKeyring } from "@/lib/provider-tokens";
import { createSigningKeyStore, type SigningKeyStore } from "@/lib/api-tokens/signing-keys";

// Next.js bundles pages, route handlers and actions separately; one store per process keeps one
// copy of the current private key and of the published public keys (lib/api-tokens/signing-keys.ts).
const STORE_KEY = Symbol.for("oauth-next-app.signing-keys");
const holder = globalThis as typeof globalThis & { [STORE_KEY]?: SigningKeyStore };

/** The API signing keys, on the app's database, encrypted with the provider-token keys. */
export function signingKeys(): SigningKeyStore {
  return (holder[STORE_KEY] ??= createSigningKeyStore({ db, keyring: tokenKeyring }));
}
