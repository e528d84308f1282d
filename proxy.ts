import NextAuth from "next-auth";

import { authConfig } from "@/lib/auth.config";
import { protectRoutes } from "@/lib/route-access";

// The app's middleware (Next 16 calls it proxy.ts). A first, cheap gate only: every protected
// page, action and route handler verifies the session again through lib/dal.ts.
export default protectRoutes(NextAuth(authConfig).auth);

export const config = {
  // Not /api/auth/*: Auth.js answers those itself, and a second Auth.js pass here would issue a
  // second CSRF cookie on the same response. Not /api/health (exactly): load balancers poll it,
  // it is public, GET-only JSON, and there is nothing for the proxy to decide, while Next.js's
  // running a proxy at all costs about as much as the probe itself (bench/README.md, scenario 2a).
  matcher: ["/((?!_next/static|_next/image|favicon.ico|api/auth/|api/health$).*)"],
};
