import "server-only";

import { forgetTokens, readAccountTokens } from "@/lib/providers/tokens/store";
import type { Database } from "@/lib/db";
import type { ProviderClient } from "@/lib/providers/client";
import type { TokenKeyring } from "@/lib/encryption/keyring";

/**
 * Signing out also ends what the app holds at the provider: the stored tokens are forgotten and the
 * grant is ended (RFC 7009 on the refresh token, or the provider's own way), so a copy of the
 * database taken later, or a session in another browser, cannot keep using the person's provider
 * access after they left.
 *
 * Nothing here may keep someone signed in: every failure (provider down, database hiccup) is
 * logged and sign-out goes on.
 */

export interface ProviderSignOutDeps {
  db: Database;
  keyring: () => Promise<TokenKeyring>;
  client: (provider: string) => ProviderClient | undefined;
  log?: Pick<Console, "info" | "warn">;
}

/** Forgets and revokes; returns the ID token, the `id_token_hint` for RP-initiated logout. */
export async function endProviderGrant(deps: ProviderSignOutDeps, userId: string, provider: string): Promise<{ idToken: string | null }> {
  const log = deps.log ?? console;
  try {
    const keyring = await deps.keyring();
    // Forget first, then revoke: once the row is cleared no refresh can start from the token being
    // revoked. The write is guarded by the version read, so a refresh that lands in between is
    // not lost: we read again and revoke its result instead.
    for (let attempt = 0; attempt < 3; attempt++) {
      const tokens = await readAccountTokens(deps.db, keyring, userId, provider);
      if (!tokens) return { idToken: null };
      if (!(await forgetTokens(deps.db, tokens.key, tokens.version))) continue;
      const client = deps.client(provider);
      if (client && (tokens.refreshToken || tokens.accessToken)) {
        try {
          const revoked = await client.revoke({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
          log.info(`[sign-out] ${provider}: ${revoked ? `${revoked} revoked` : "no revocation endpoint; token forgotten"}`);
        } catch (error) {
          log.warn(`[sign-out] ${provider}: revocation failed, token forgotten anyway: ${(error as Error)?.message}`);
        }
      }
      return { idToken: tokens.idToken };
    }
    log.warn(`[sign-out] ${provider}: tokens kept changing; left as they are`);
  } catch (error) {
    log.warn(`[sign-out] ${provider}: could not end the provider grant: ${(error as Error)?.name}`);
  }
  return { idToken: null };
}
