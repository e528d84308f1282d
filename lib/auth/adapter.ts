import "server-only";

import { PrismaAdapter } from "@auth/prisma-adapter";
import type { Adapter, AdapterAccount, AdapterUser } from "next-auth/adapters";

import { LinkNotRequestedError, ProviderAccountMismatchError } from "@/lib/auth/errors";
import type { Database } from "@/lib/db";
import { forgetAllSessions } from "@/lib/session/cache";
import { authContext } from "@/lib/auth/request-context";

/**
 * Auth.js's Prisma adapter, with first sign-in made atomic.
 *
 * For a new person Auth.js calls `createUser` and then `linkAccount` as two separate writes. If
 * the second fails (a crash, a lost connection, a concurrent sign-in of the same account), the
 * first leaves a User with no way to sign in, and the address stays taken. Here `createUser`
 * only reserves the row in memory, and `linkAccount` writes User and Account in one statement:
 * both rows exist, or neither does. Two first sign-ins of the same provider account racing each
 * other both succeed, as the one user the first of them created.
 *
 * `linkAccount` writes who the account is (provider, subject, user) and nothing of the tokens
 * Auth.js hands it: every sign-in's tokens, the first one's included, are stored in one place, the
 * jwt callback (lib/auth/with-database.ts), encrypted (lib/providers/tokens/store.ts).
 */

// Auth.js calls linkAccount right after createUser, in the same request; a reservation that is not
// claimed by then belongs to a sign-in that failed in between, and is dropped.
const RESERVATION_TTL_MS = 60_000;

/** PostgreSQL's unique_violation, as Prisma reports it (P2002) or, through a driver adapter, raw (23505). */
function isUniqueViolation(error: unknown): boolean {
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: { code?: unknown; originalCode?: unknown } };
  return code === "P2002" || cause?.code === "23505" || cause?.originalCode === "23505";
}

/**
 * `guardLink` is asked before a provider account is linked to an existing (signed-in) user: it
 * throws unless that person asked for this link from a session that is still valid
 * (lib/auth/linking.ts). Without it, linking is refused outright.
 */
export function createAuthAdapter(
  db: Database,
  guardLink: (userId: string, provider: string) => Promise<void> = async (_userId, provider) => {
    throw new LinkNotRequestedError(provider);
  },
): Adapter {
  // The stock adapter is typed against @prisma/client's default output; ours is generated elsewhere
  // but has the same models, which is what the adapter touches.
  const base = PrismaAdapter(db as unknown as Parameters<typeof PrismaAdapter>[0]);
  const reserved = new Map<string, AdapterUser>();

  /**
   * The stock adapter's answer in one statement (it reads the account, then its user: two round
   * trips). The row as stored, as the stock adapter returns it: `email` is null for a person whose
   * provider verified no address, where Auth.js's type says string.
   */
  async function userByAccount(provider: string, providerAccountId: string): Promise<AdapterUser | null> {
    return (await db.user.findFirst({ where: { accounts: { some: { provider, providerAccountId } } } })) as AdapterUser | null;
  }

  return {
    ...base,
    getUserByAccount(providerAccount) {
      const { provider, providerAccountId } = providerAccount;
      const context = authContext();
      if (!context) return userByAccount(provider, providerAccountId);
      // Auth.js's callback asks twice in a row, before and after the signIn callback (which writes
      // nothing): the second answer is the first's, a query less per sign-in. A first sign-in of
      // the same account racing this one is settled by linkAccount below, as it would be had it
      // committed just before the first question. Also read by getUserByEmail below.
      const asked = context.accountAskedFor;
      if (asked?.provider === provider && asked.providerAccountId === providerAccountId) return asked.user;
      const user = userByAccount(provider, providerAccountId);
      context.accountAskedFor = { provider, providerAccountId, user };
      return user;
    },
    async getUserByEmail(email) {
      const user = await base.getUserByEmail!(email);
      // Auth.js asks for the address only when the provider account had no user a moment ago; if
      // the address's user now holds that very account, a concurrent first sign-in of the same
      // person created both in between. Not an "account exists with this address" refusal: this
      // sign-in goes on to createUser and linkAccount, which continue as that user (below).
      const asked = authContext()?.accountAskedFor;
      if (user && asked) {
        const { provider, providerAccountId } = asked;
        const owner = await db.account.findUnique({
          where: { provider_providerAccountId: { provider, providerAccountId } },
          select: { userId: true },
        });
        if (owner?.userId === user.id) return null;
      }
      return user;
    },
    async createUser(user) {
      const id = user.id ?? crypto.randomUUID();
      const pending: AdapterUser = {
        id,
        name: user.name ?? null,
        email: user.email,
        emailVerified: user.emailVerified ?? null,
        image: user.image ?? null,
      };
      reserved.set(id, pending);
      setTimeout(() => reserved.delete(id), RESERVATION_TTL_MS).unref();
      return pending;
    },
    async linkAccount(account: AdapterAccount) {
      const pending = reserved.get(account.userId);
      const { userId, type, provider, providerAccountId } = account;
      const accountData = { type, provider, providerAccountId };
      if (!pending) {
        // Signed in and linking, which is how a provider is reconnected: one account per provider
        // per person. Coming back from the provider as somebody else must not attach their
        // account to this person (the unique index on userId+provider backs this up under races).
        const linked = await db.account.findUnique({
          where: { userId_provider: { userId, provider: account.provider } },
          select: { userId: true },
        });
        if (linked) throw new ProviderAccountMismatchError(account.provider);
        await guardLink(userId, account.provider);
        await db.account.create({ data: { ...accountData, userId } });
        // Session checks carry the linked providers (lib/session/cache.ts).
        forgetAllSessions();
        return;
      }
      reserved.delete(userId);
      try {
        await db.user.create({
          data: {
            id: pending.id,
            name: pending.name,
            email: pending.email || null,
            emailVerified: pending.emailVerified,
            image: pending.image,
            accounts: { create: accountData },
          },
        });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // Two first sign-ins of the same provider account at once (two tabs, a double-clicked
        // consent): both found no account, and the other one committed first. It is the same
        // person at the same provider, so this sign-in continues as the user it created. Auth.js
        // reads the id for the session from the object createUser returned, so that object becomes
        // the stored user; the jwt callback then stores this sign-in's tokens on the shared account.
        // Any other conflict (the address taken by a different account) still fails the sign-in.
        const winner = await db.account.findUnique({
          where: { provider_providerAccountId: { provider: account.provider, providerAccountId: account.providerAccountId } },
          select: { user: { select: { id: true, name: true, email: true, emailVerified: true, image: true } } },
        });
        if (!winner) throw error;
        Object.assign(pending, winner.user);
      }
    },
  };
}
