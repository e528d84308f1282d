"use client";

import { body, button, buttonRow, container, main, statusPage } from "@/components/styles";

import "./globals.css";

// Last resort when even the root layout fails: the same look, no header (it may be what failed), no details.
export default function GlobalError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <html lang="en">
      <body className={body}>
        <main className={main}>
          <div className={container}>
            <div className={statusPage} role="alert">
              <h1>Something went wrong</h1>
              <p>Please try again in a moment.</p>
              <div className={`${buttonRow} justify-center`}>
                <button type="button" className={button("primary")} onClick={() => reset()}>
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
