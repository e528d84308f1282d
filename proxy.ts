import NextAuth from "next-auth";

import { authConfig } from "@/lib/auth/config";
import { protectRoutes } from "@/lib/security/route-access";

// The app's middleware (Next 16 calls it proxy.ts). A first, cheap gate for pages only: every
// protected page, action and route handler verifies the session again through lib/dal.ts.
export default protectRoutes(NextAuth(authConfig).auth);

export const config = {
  // Pages only. Route handlers under /api/ authenticate their callers themselves (lib/dal.ts
  // verifyApiCaller; Auth.js its own routes), and e2e/security/api-routes.spec.ts finds every
  // route handler in app/api and proves each refuses an anonymous or cross-site caller, so a new
  // one cannot ship open. The proxy would only repeat those checks, and Next.js running a proxy
  // at all costs about half a millisecond a request, a third of an API call (bench/README.md).
  matcher: ["/((?!_next/static|_next/image|favicon.ico|api/).*)"],
};
