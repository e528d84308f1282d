import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";

import { AlertIcon, LogoMark } from "@/components/icons";
import { ProviderButton } from "@/components/provider-button";
import { container, notice, panel, list } from "@/components/styles";
import { startSignIn } from "@/lib/auth/sign-in";
import { SIGN_IN_ERRORS, signInErrorFromQuery } from "@/lib/auth/errors";
import { retryAfterFromQuery } from "@/lib/security/rate-limits/apply";
import { verifySession } from "@/lib/dal";
import { getEnv } from "@/lib/services";

import { safeCallbackPath } from "@/lib/auth/redirects";

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

  const providers = getEnv().providers;
  return (
    <div className={container}>
      <div className="mx-auto max-w-[27rem]">
        <div className={`${panel} flex flex-col gap-5 p-[clamp(1.25rem,5vw,2.5rem)] shadow-raised`}>
          <div className="flex flex-col items-center gap-2 text-center [&>p]:text-muted">
            <LogoMark className="mb-1 size-12 flex-none" />
            <h1>Sign in</h1>
            {error ? null : <p>Choose how you want to sign in. You will come back here afterwards.</p>}
          </div>
          {error ? (
            <div role="alert" className={notice("error")}>
              <AlertIcon />
              <p>{retryAfter ? `Too many attempts, try again in ${retryAfter} seconds.` : SIGN_IN_ERRORS[error]}</p>
            </div>
          ) : null}
          <ul className={list} aria-label="Sign-in providers">
            {providers.map((provider) => (
              <li key={provider.id}>
                <form action={startSignIn}>
                  <input type="hidden" name="provider" value={provider.id} />
                  <input type="hidden" name="callbackUrl" value={callbackUrl} />
                  <ProviderButton
                    mark={provider.mark}
                    label={error ? `Try again with ${provider.name}` : `Continue with ${provider.name}`}
                    pendingLabel={`Connecting to ${provider.name}…`}
                  />
                </form>
              </li>
            ))}
          </ul>
          <p className="border-t border-line pt-4 text-center text-[0.88rem] text-muted">
            You sign in on the provider&apos;s own page: this app never sees your password. <Link href="/">What is this app?</Link>
          </p>
        </div>
      </div>
    </div>
  );
}
