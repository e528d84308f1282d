"use server";

import { redirect, unstable_rethrow } from "next/navigation";

import { signIn, signOut } from "@/lib/auth";
import { signInErrorCode } from "@/lib/auth-errors";
import { getEnv } from "@/lib/env";
import { providerSummaries } from "@/lib/providers";
import { loginPath, safeCallbackPath } from "@/lib/safe-redirect";

/**
 * Sign-in and sign-out as server actions: POST-only, and Next.js refuses them from another
 * origin (it compares Origin with Host), which is the CSRF protection these two buttons need.
 */

export async function startSignIn(formData: FormData): Promise<void> {
  const provider = formData.get("provider");
  const callbackUrl = safeCallbackPath(formData.get("callbackUrl"));
  if (typeof provider !== "string" || !providerSummaries(getEnv()).some((p) => p.id === provider)) {
    redirect(loginPath(callbackUrl, "signin_failed"));
  }
  try {
    // Builds the authorization URL (PKCE, state, nonce), sets the check cookies and redirects.
    await signIn(provider, { redirectTo: callbackUrl });
  } catch (error) {
    unstable_rethrow(error);
    redirect(loginPath(callbackUrl, signInErrorCode(error)));
  }
}

export async function signOutUser(): Promise<void> {
  await signOut({ redirectTo: "/" });
}
