import type { Metadata } from "next";
import { connection } from "next/server";

import { DashboardView } from "@/components/dashboard-view";
import { getEnv } from "@/lib/env";
import { providerOffersLogout } from "@/lib/provider-tokens";
import { providerName } from "@/lib/providers";

export const metadata: Metadata = { title: "Dashboard" };

/** The bench's signed-in person (idp/users.ts), as /api/me shows her. */
const ALICE = {
  name: "Alice Example",
  email: "alice@example.com",
  provider: "dev-idp",
} as const;

export default async function DashboardTwinPage() {
  // Rendered per request, like /dashboard (which reads the request's cookies).
  await connection();
  const env = getEnv();
  const user = { ...ALICE, image: `${process.env.DEV_IDP_ISSUER}/avatars/alice.svg` };
  const provider = providerName(env, user.provider) ?? user.provider;
  const logoutProvider = providerOffersLogout(user.provider) ? providerName(env, user.provider) : undefined;
  return <DashboardView user={user} provider={provider} logoutProvider={logoutProvider} />;
}
