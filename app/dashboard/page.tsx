import type { Metadata } from "next";

import { DashboardView } from "@/components/dashboard-view";
import { requireUser } from "@/lib/dal";
import { getEnv } from "@/lib/services";
import { providerById, providerName, providerOffersLogout } from "@/lib/providers/registry";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  const user = await requireUser("/dashboard");
  const env = getEnv();
  const configured = providerById(env, user.provider);
  const provider = { name: configured?.name ?? user.provider ?? "an unknown provider", mark: configured?.mark };
  const logoutProvider = providerOffersLogout(env, user.provider) ? providerName(env, user.provider) : undefined;
  return <DashboardView user={user} provider={provider} logoutProvider={logoutProvider} />;
}
