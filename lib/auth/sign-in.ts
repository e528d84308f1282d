"use server";

import { headers } from "next/headers";
import { redirect, unstable_rethrow } from "next/navigation";

import { recordFailedSignIn, signIn } from "@/lib/auth/next-auth";
import { signInErrorCode } from "@/lib/auth/errors";
import { limitSignInStart, rateLimitedLoginPath } from "@/lib/security/rate-limits/apply";
import { verifySession } from "@/lib/dal";
import { getEnv } from "@/lib/config/env";
import { prepareProvider } from "@/lib/providers/registry";
import { loginPath, safeCallbackPath } from "@/lib/auth/redirects";
import { rateLimits } from "@/lib/services";

/**
 * Sign-in as a server action: POST-only, and Next.js refuses it from another origin (it compares
 * Origin with Host), which is the CSRF protection the provider buttons need.
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
    await prepareProvider(getEnv(), provider);
    // Builds the authorization URL (PKCE, state, nonce), sets the check cookies and redirects.
    await signIn(provider, { redirectTo: callbackUrl });
  } catch (error) {
    unstable_rethrow(error);
    const code = signInErrorCode(error);
    await recordFailedSignIn({ provider, code, headers: await headers() });
    redirect(loginPath(callbackUrl, code));
  }
}
