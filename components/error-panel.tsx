"use client";

import Link from "next/link";

/**
 * What an error boundary shows: a sentence, a retry and a way out, never a blank page or a stack
 * trace (the details stay in the server log). `reset` re-renders the failed segment.
 */
export function ErrorPanel({ reset, digest }: { reset: () => void; digest?: string | undefined }) {
  return (
    <div className="card status-page stack" role="alert">
      <h1>Something went wrong</h1>
      <p>We couldn&apos;t show this page. Please try again.</p>
      <div className="button-row">
        <button type="button" className="button button-primary" onClick={() => reset()}>
          Try again
        </button>
        <Link href="/" className="button button-secondary">
          Go to the home page
        </Link>
      </div>
      {digest ? <p className="hint">Reference for support: {digest}</p> : null}
    </div>
  );
}
