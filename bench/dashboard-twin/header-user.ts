import { headers } from "next/headers";

// Relative on purpose: the bench's tsconfig maps "@/components/header-user" to this file, and
// tsconfig paths never apply to a relative import, so this is the app's own module.
import { headerUser as appHeaderUser } from "../../components/header-user";

import { dashboardTwinPerson } from "./person";
import { DASHBOARD_TWIN_HEADER } from "./twin";

/**
 * The site header's user in the bench's builds (tsconfig.bench.json, bench/lib/variants.ts): the
 * twin's fixed person when the request carries the bench's twin header, else the app's own answer.
 * Every page pays the same `headers()` read, /dashboard included.
 */
export async function headerUser(): ReturnType<typeof appHeaderUser> {
  if ((await headers()).has(DASHBOARD_TWIN_HEADER)) return dashboardTwinPerson();
  return appHeaderUser();
}
