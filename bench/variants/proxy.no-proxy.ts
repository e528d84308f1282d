import NextAuth from "next-auth";

import { authConfig } from "@/lib/auth/config";
import { protectRoutes } from "@/lib/security/route-access";

// The bench's "no-proxy" variant, copied over proxy.ts in its snapshot: the app's proxy.ts with a
// matcher no request matches, so Next.js runs no proxy at all. The bench refuses to build it if
// the code above the config is no longer proxy.ts's (bench/lib/variants.ts): copy it again.
export default protectRoutes(NextAuth(authConfig).auth);

export const config = {
  matcher: ["/__proxy-matcher-emptied__"],
};
