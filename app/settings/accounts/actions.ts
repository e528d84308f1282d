"use server";

import { cookies, headers } from "next/headers";
import { redirect, unstable_rethrow } from "next/navigation";

import { LINK_INTENT_TTL_SECONDS, linkIntentCookieName, linkIntentValue, unlinkProvider } from "@/lib/auth/linking";
import { appOrigin } from "@/lib/security/origin";
import { signIn } from "@/lib/auth/next-auth";
import { limitSignInStart } from "@/lib/security/rate-limits/apply";
import { db, getEnv, providerTokens, rateLimits } from "@/lib/services";
import { requireUser } from "@/lib/dal";
import { prepareProvider } from "@/lib/providers/registry";

/**
 * Link and Unlink on /settings/accounts. Server actions: POST-only and refused from another origin
 * by Next.js; each one re-checks the session itself (lib/dal.ts) and trusts nothing in the form
 * but a provider id, checked against the configured ones.
 */

const PATH = "/settings/accounts";

/** A configured provider: nothing else can be linked. */
function linkableProvider(value: FormDataEntryValue | null): string | null {
  const config = typeof value === "string" ? getEnv().providers.find((p) => p.id === value) : undefined;
  return config ? config.id : null;
}

/** "Link <Provider>": the authorization flow, with the intent that lets its callback link the result to this person. */
export async function linkProvider(formData: FormData): Promise<void> {
  const user = await requireUser(PATH);
  const provider = linkableProvider(formData.get("provider"));
  if (!provider) redirect(`${PATH}?notice=link_failed`);
  const requestHeaders = await headers();
  const refused = await limitSignInStart(rateLimits(), requestHeaders, user.id);
  if (refused) redirect(`${PATH}?notice=rate_limited&retry_after=${refused.retryAfterSeconds}`);
  const secure = appOrigin(requestHeaders, getEnv().authUrl).startsWith("https:");
  (await cookies()).set(linkIntentCookieName(secure), linkIntentValue(user.sessionId, provider, getEnv().authSecret), {
    httpOnly: true,
    secure,
    // Lax: the provider sends the browser back with a top-level GET, which carries it (a form_post
    // callback is made one first, lib/auth/form-post-relay.ts).
    sameSite: "lax",
    path: "/",
    maxAge: LINK_INTENT_TTL_SECONDS,
  });
  try {
    await prepareProvider(getEnv(), provider);
    await signIn(provider, { redirectTo: `${PATH}?notice=linked&provider=${encodeURIComponent(provider)}` });
  } catch (error) {
    unstable_rethrow(error);
    redirect(`${PATH}?notice=link_failed`);
  }
}

/** "Unlink": never the last provider; ownership re-checked in the database, not taken from the form. */
export async function unlinkProviderAction(formData: FormData): Promise<void> {
  const user = await requireUser(PATH);
  const provider = typeof formData.get("provider") === "string" ? String(formData.get("provider")) : "";
  const unlink = async () => {
    const result = await unlinkProvider(db, { userId: user.id, provider, keepSessionId: user.sessionId }, new Date());
    return { removed: result === "unlinked", result };
  };
  // The grant ends at the provider too (RFC 7009, or GitHub's grant deletion), as at sign-out.
  const result = provider ? await (await providerTokens()).unlinkAndRevoke(user.id, provider, unlink) : "not_linked";
  redirect(`${PATH}?notice=${result}&provider=${encodeURIComponent(provider.slice(0, 64))}`);
}
