import type { ReactNode } from "react";

import { requireUser } from "@/lib/dal";

/**
 * The layout of a protected route segment that has a loading.tsx: it checks the session *above*
 * the Suspense boundary that loading.tsx creates. Inside it, a redirect to /login would arrive
 * after the loading shell had already been sent, as a 200 page with a meta refresh instead of a
 * 307 (e2e/no-proxy checks the 307). The page still calls requireUser() itself; the check is
 * cached per request, so it costs nothing twice.
 */
export function protectedSegment(path: string) {
  return async function ProtectedSegmentLayout({ children }: { children: ReactNode }) {
    await requireUser(path);
    return children;
  };
}
