import type { Metadata } from "next";

import { DashboardView } from "@/components/dashboard-view";
import { requireUser } from "@/lib/dal";
import { getEnv } from "@/lib/config/env";
import { providerOffersLogout } from "@/lib/provider-tokens";
import { providerName } from "@/lib/providers/authjs";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  const user = await requireUser("/dashboard");
  const env = getEnv();
  const provider = providerName(env, user.provider) ?? user.provider ?? "an unknown provider";
  const logoutProvider = providerOffersLogout(user.provider) ? providerName(env, user.provider) : undefined;
  return <DashboardView user={user} provider={provider} logoutProvider={logoutProvider} />;
}
