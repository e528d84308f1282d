import type { Metadata } from "next";
import { connection } from "next/server";

import { DashboardView } from "@/components/dashboard-view";
import { getEnv } from "@/lib/services";
import { providerById, providerName, providerOffersLogout } from "@/lib/providers/registry";

import { dashboardTwinPerson } from "@/bench/dashboard-twin/person";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardTwinPage() {
  // Rendered per request, like /dashboard (which reads the request's cookies).
  await connection();
  const env = getEnv();
  const user = dashboardTwinPerson();
  const configured = providerById(env, user.provider);
  const provider = { name: configured?.name ?? user.provider ?? "an unknown provider", mark: configured?.mark };
  const logoutProvider = providerOffersLogout(env, user.provider) ? providerName(env, user.provider) : undefined;
  return <DashboardView user={user} provider={provider} logoutProvider={logoutProvider} />;
}
