/** Where the twin is served in the bench's builds, and the header only the bench's twin requests carry. */
export const DASHBOARD_TWIN_PATH = "/bench/dashboard-twin";
export const DASHBOARD_TWIN_HEADER = "x-bench-dashboard-twin";
