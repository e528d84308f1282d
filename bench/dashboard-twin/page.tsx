import type { Metadata } from "next";
import { connection } from "next/server";

import { DashboardView } from "@/components/dashboard-view";
import { getEnv } from "@/lib/config/env";
import { providerOffersLogout } from "@/lib/provider-tokens";
import { providerName } from "@/lib/providers/authjs";

import { dashboardTwinPerson } from "./person";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardTwinPage() {
  // Rendered per request, like /dashboard (which reads the request's cookies).
  await connection();
  const env = getEnv();
  const user = dashboardTwinPerson();
  const provider = providerName(env, user.provider) ?? user.provider ?? "an unknown provider";
  const logoutProvider = providerOffersLogout(user.provider) ? providerName(env, user.provider) : undefined;
  return <DashboardView user={user} provider={provider} logoutProvider={logoutProvider} />;
}
