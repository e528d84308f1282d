"use server";

import { headers } from "next/headers";
import { redirect, unstable_rethrow } from "next/navigation";

import { recordFailedSignIn, signIn, signOut } from "@/lib/auth/next-auth";
import { signInErrorCode } from "@/lib/auth/errors";
import { limitSignInStart, rateLimitedLoginPath } from "@/lib/security/rate-limits/apply";
import { verifySession } from "@/lib/dal";
import { getEnv } from "@/lib/config/env";
import { resolveProviderIssuer } from "@/lib/providers/registry";
import { loginPath, safeCallbackPath } from "@/lib/auth/redirects";
import { providerTokens, rateLimits } from "@/lib/services";

/**
 * Sign-in and sign-out as server actions: POST-only, and Next.js refuses them from another
 * origin (it compares Origin with Host), which is the CSRF protection these buttons need.
 *
 * Sign-in is also how a person reconnects a provider whose grant was revoked: signing in while
 * signed in comes back to the same user, and the new tokens are stored (lib/auth/with-database.ts).
 */

export async function startSignIn(formData: FormData): Promise<void> {
  const provider = formData.get("provider");
  const callbackUrl = safeCallbackPath(formData.get("callbackUrl"));
  if (typeof provider !== "string" || !getEnv().providers.some((p) => p.id === provider)) {
    redirect(loginPath(callbackUrl, "signin_failed"));
  }
  // Counted before any work (state cookies, the redirect to the provider): scripted starts from
  // one address, or one signed-in account churning reconnects, are slowed to the configured rate.
  const refused = await limitSignInStart(rateLimits(), await headers(), (await verifySession())?.id ?? null);
  if (refused) redirect(rateLimitedLoginPath(callbackUrl, refused.retryAfterSeconds));
  try {
    await resolveProviderIssuer(getEnv(), provider);
    // Builds the authorization URL (PKCE, state, nonce), sets the check cookies and redirects.
    await signIn(provider, { redirectTo: callbackUrl });
  } catch (error) {
    unstable_rethrow(error);
    const code = signInErrorCode(error);
    await recordFailedSignIn({ provider, code, headers: await headers() });
    redirect(loginPath(callbackUrl, code));
  }
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
  await signOut({ redirectTo: "/" });
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
  await signOut({ redirect: false });
  redirect(target ?? "/");
}
