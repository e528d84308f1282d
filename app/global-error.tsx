"use client";

import "./globals.css";

// Last resort when even the root layout fails: the same look, no header (it may be what failed), no details.
export default function GlobalError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <html lang="en">
      <body>
        <main className="site-main">
          <div className="container">
            <div className="card status-page stack" role="alert">
              <h1>Something went wrong</h1>
              <p>Please try again in a moment.</p>
              <div className="button-row">
                <button type="button" className="button button-primary" onClick={() => reset()}>
                  Try again
                </button>
              </div>
            </div>
          </div>
        </main>
      </body>
    </html>
  );
}
