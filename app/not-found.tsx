import type { Metadata } from "next";
import Link from "next/link";

export const metadata: Metadata = { title: "Page not found" };

export default function NotFound() {
  return (
    <div className="container">
      <div className="card status-page stack">
        <p className="status-code" aria-hidden="true">
          404
        </p>
        <h1>Page not found</h1>
        <p>There is nothing at this address. It may have moved, or the link may be mistyped.</p>
        <div className="button-row">
          <Link href="/" className="button button-primary">
            Go to the home page
          </Link>
        </div>
      </div>
    </div>
  );
}
