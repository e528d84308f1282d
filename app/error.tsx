"use client";

import { ErrorPanel } from "@/components/error-panel";
import { container } from "@/components/styles";

// Shown instead of a stack trace when a page fails to render; the details stay in the server log.
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className={container}>
      <ErrorPanel reset={reset} digest={error.digest} />
    </div>
  );
}
