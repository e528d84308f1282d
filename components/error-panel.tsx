"use client";

import Link from "next/link";

import { button, buttonRow, hint, statusCode, statusPage } from "@/components/styles";

/** The digest of lib/db/availability.ts's DatabaseUnavailableError (Next.js passes a thrown error's own digest on). */
const DATABASE_UNAVAILABLE = "database-unavailable";

/**
 * What an error boundary shows: a sentence, a retry and a way out, never a blank page or a stack
 * trace (the details stay in the server log). `reset` re-renders the failed segment.
 */
export function ErrorPanel({ reset, digest }: { reset: () => void; digest?: string | undefined }) {
  if (digest === DATABASE_UNAVAILABLE) return <UnavailablePanel retry={reset} />;
  return (
    <div className={statusPage} role="alert">
      <h1>Something went wrong</h1>
      <p>We couldn&apos;t show this page. Please try again.</p>
      <div className={`${buttonRow} justify-center`}>
        <button type="button" className={button("primary")} onClick={() => reset()}>
          Try again
        </button>
        <Link href="/" className={button("secondary")}>
          Go to the home page
        </Link>
      </div>
      {digest ? <p className={hint}>Reference for support: {digest}</p> : null}
    </div>
  );
}

/** The service cannot reach its database for a moment: the same words whether a page failed or the proxy knew first. */
export function UnavailablePanel({ retry }: { retry?: () => void }) {
  return (
    <div className={statusPage} role="alert">
      <p className={statusCode} aria-hidden="true">
        503
      </p>
      <h1>Briefly unavailable</h1>
      <p>The service can&apos;t reach its database right now. Nothing is lost; please try again in a moment.</p>
      <div className={`${buttonRow} justify-center`}>
        {retry ? (
          <button type="button" className={button("primary")} onClick={() => retry()}>
            Try again
          </button>
        ) : (
          <a href="" className={button("primary")}>
            Try again
          </a>
        )}
      </div>
    </div>
  );
}
