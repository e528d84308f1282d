// Relative on purpose: the bench's tsconfig maps "@/lib/security/public-paths" to this file, and
// tsconfig paths never apply to a relative import, so this is the app's own module.
import { PUBLIC_PATHS as APP_PUBLIC_PATHS } from "../../lib/security/public-paths";
import { DASHBOARD_TWIN_PATH } from "../dashboard-twin/twin";

/** The app's public paths plus the bench's twin of /dashboard (scenario 1b), in every bench build. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set([...APP_PUBLIC_PATHS, DASHBOARD_TWIN_PATH]);
