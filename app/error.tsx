"use client";

// Shown instead of a stack trace when a page fails to render; the details stay in the server log.
export default function ErrorPage({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="card narrow" role="alert">
      <h1>Something went wrong</h1>
      <p>We couldn&apos;t show this page. Please try again.</p>
      <button type="button" className="button button-primary" onClick={() => reset()}>
        Try again
      </button>
    </div>
  );
}
