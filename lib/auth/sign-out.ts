"use server";

import { headers } from "next/headers";
import { redirect } from "next/navigation";

import { verifySession } from "@/lib/dal";
import { getEnv } from "@/lib/config/env";
import { providerTokens } from "@/lib/services";

/**
 * Sign-out as server actions: POST-only, and Next.js refuses them from another origin (it compares
 * Origin with Host), so no other site can sign a person out.
 *
 * The header renders these buttons on every page, so this module loads with every page; the
 * database side of Auth.js (adapter, linking, token storage) loads with the first sign-out instead.
 */

async function authjsSignOut(options: { redirectTo: string } | { redirect: false }): Promise<void> {
  const { signOut } = await import("@/lib/auth/next-auth");
  await signOut(options);
}

/** Forgets and revokes the session provider's tokens (best effort: never blocks signing out). */
async function endProviderGrant(): Promise<{ provider: string; idToken: string | null } | null> {
  const user = await verifySession();
  if (!user?.provider) return null;
  const { idToken } = await (await providerTokens()).endGrant(user.id, user.provider);
  return { provider: user.provider, idToken };
}

/**
 * Signs out of this app only; lands on the home page. Auth.js's sign-out revokes the session record
 * (lib/auth/with-database.ts), so the cookie, or a copy of it, never works again.
 */
export async function signOutUser(): Promise<void> {
  await endProviderGrant();
  await authjsSignOut({ redirectTo: "/" });
}

/** Where the provider sends the browser after its logout: our home page, registered with it. */
async function postLogoutRedirectUri(): Promise<string> {
  const configured = getEnv().authUrl;
  if (configured) return new URL("/", configured).href;
  const h = await headers();
  return new URL("/", `${h.get("x-forwarded-proto") ?? "http"}://${h.get("host")}`).href;
}

/**
 * Signs out of this app, then continues to the provider's end-session endpoint (OIDC RP-Initiated
 * Logout) so the person is signed out there too; without one (or with the provider down) it is a
 * plain sign-out.
 */
export async function signOutOfProvider(): Promise<void> {
  const ended = await endProviderGrant();
  const target = ended ? await (await providerTokens()).endSessionUrl(ended.provider, ended.idToken, await postLogoutRedirectUri()) : null;
  await authjsSignOut({ redirect: false });
  redirect(target ?? "/");
}
