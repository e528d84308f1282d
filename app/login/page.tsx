import type { Metadata } from "next";
import { redirect } from "next/navigation";

import { PendingButton } from "@/components/pending-button";
import { startSignIn } from "@/lib/auth-actions";
import { SIGN_IN_ERRORS, signInErrorFromQuery } from "@/lib/auth-errors";
import { retryAfterFromQuery } from "@/lib/auth-rate-limits";
import { verifySession } from "@/lib/dal";
import { getEnv } from "@/lib/env";
import { providerSummaries } from "@/lib/providers";
import { safeCallbackPath } from "@/lib/safe-redirect";

export const metadata: Metadata = { title: "Sign in" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export default async function LoginPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const callbackUrl = safeCallbackPath(first(params.callbackUrl));
  const error = signInErrorFromQuery(params.error);
  const retryAfter = error === "rate_limited" ? retryAfterFromQuery(params.retry_after) : null;

  // Already signed in (and not here because something went wrong): carry on.
  if (!error && (await verifySession())) redirect(callbackUrl);

  const providers = providerSummaries(getEnv());
  return (
    <div className="card narrow">
      <h1>Sign in</h1>
      {error ? (
        <div role="alert" className="notice notice-error">
          <p>{retryAfter ? `Too many attempts, try again in ${retryAfter} seconds.` : SIGN_IN_ERRORS[error]}</p>
        </div>
      ) : (
        <p>Choose how you want to sign in. You will come back here afterwards.</p>
      )}
      <ul className="provider-list">
        {providers.map((provider) => (
          <li key={provider.id}>
            <form action={startSignIn}>
              <input type="hidden" name="provider" value={provider.id} />
              <input type="hidden" name="callbackUrl" value={callbackUrl} />
              <PendingButton className="button button-provider" pendingLabel={`Connecting to ${provider.name}…`}>
                {error ? `Try again with ${provider.name}` : `Continue with ${provider.name}`}
              </PendingButton>
            </form>
          </li>
        ))}
      </ul>
    </div>
  );
}
