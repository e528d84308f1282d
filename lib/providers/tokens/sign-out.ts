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
      await revokeAtProvider(deps, provider, tokens, "sign-out");
      return { idToken: tokens.idToken };
    }
    log.warn(`[sign-out] ${provider}: tokens kept changing; left as they are`);
  } catch (error) {
    log.warn(`[sign-out] ${provider}: could not end the provider grant: ${(error as Error)?.name}`);
  }
  return { idToken: null };
}

/** Best effort: a provider that fails is logged, never an error for the person. */
async function revokeAtProvider(
  deps: ProviderSignOutDeps,
  provider: string,
  tokens: { accessToken: string | null; refreshToken: string | null },
  what: "sign-out" | "unlink",
): Promise<void> {
  const log = deps.log ?? console;
  const client = deps.client(provider);
  if (!client || (!tokens.refreshToken && !tokens.accessToken)) return;
  try {
    const revoked = await client.revoke({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
    log.info(`[${what}] ${provider}: ${revoked ? `${revoked} revoked` : "no revocation endpoint; token forgotten"}`);
  } catch (error) {
    log.warn(`[${what}] ${provider}: revocation failed, token forgotten anyway: ${(error as Error)?.message}`);
  }
}

/**
 * Unlinking: `remove` deletes the linked account (and its tokens with it) if it may; the grant is
 * then ended at the provider with the tokens read just before, so the provider no longer lets this
 * app act for the person. Nothing is revoked when `remove` refuses (the last way to sign in).
 */
export async function unlinkAndRevoke<R>(
  deps: ProviderSignOutDeps,
  userId: string,
  provider: string,
  remove: () => Promise<{ removed: boolean; result: R }>,
): Promise<R> {
  let tokens: { accessToken: string | null; refreshToken: string | null } | null = null;
  try {
    tokens = await readAccountTokens(deps.db, await deps.keyring(), userId, provider);
  } catch (error) {
    (deps.log ?? console).warn(`[unlink] ${provider}: tokens unreadable, nothing to revoke: ${(error as Error)?.name}`);
  }
  const { removed, result } = await remove();
  if (removed && tokens) await revokeAtProvider(deps, provider, tokens, "unlink");
  return result;
}
