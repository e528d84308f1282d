import type { Metadata } from "next";
import Link from "next/link";

import { button, buttonRow, container, statusCode, statusPage } from "@/components/styles";

export const metadata: Metadata = { title: "Page not found" };

export default function NotFound() {
  return (
    <div className={container}>
      <div className={statusPage}>
        <p className={statusCode} aria-hidden="true">
          404
        </p>
        <h1>Page not found</h1>
        <p>There is nothing at this address. It may have moved, or the link may be mistyped.</p>
        <div className={`${buttonRow} justify-center`}>
          <Link href="/" className={button("primary")}>
            Go to the home page
          </Link>
        </div>
      </div>
    </div>
  );
}
