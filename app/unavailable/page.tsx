import type { Metadata } from "next";

import { UnavailablePanel } from "@/components/error-panel";
import { container } from "@/components/styles";

export const metadata: Metadata = { title: "Briefly unavailable" };
export const dynamic = "force-dynamic";

/**
 * What the proxy shows, with status 503 and Retry-After, in place of a page that needs the
 * database while the database cannot be reached (lib/security/route-access.ts). Reached by a rewrite; the
 * address stays the page the person asked for, so "Try again" reloads it.
 */
export default function Unavailable() {
  return (
    <div className={container}>
      <UnavailablePanel />
    </div>
  );
}
