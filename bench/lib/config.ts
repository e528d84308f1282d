/** The bench's fixed settings: where things are, ports, the people it signs in, the targets. */
import path from "node:path";
import { fileURLToPath } from "node:url";

import { BENCH_DEV_IDP_CLIENT_SECRET } from "./idp-users";
import type { Credentials } from "./signin";

export const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const ROOT = path.dirname(BENCH_DIR);
export const OUT = path.join(BENCH_DIR, "out");
export const RESULTS = path.join(BENCH_DIR, "results.json");
export const HEAP_PROBE = path.join(BENCH_DIR, "lib", "heap-probe.cjs");

const PORT_BASE = Number(process.env.BENCH_PORT_BASE ?? 6100);
export const APP_PORT = PORT_BASE + 1;
export const NO_PROXY_PORT = PORT_BASE + 2;
export const PROFILE_PORT = PORT_BASE + 3;
export const EMPTY_PROXY_PORT = PORT_BASE + 4;
export const FRESH_APP_PORT = PORT_BASE + 5;
export const FRESH_TWIN_PORT = PORT_BASE + 6;
/** A second server of the app's build on the app's database, for scenario 1's cross-over. */
export const APP_TWIN_PORT = PORT_BASE + 14;
/** A second server of the app's build for scenario r, beside +5. */
export const SECOND_APP_PORT = PORT_BASE + 15;
/** Scenario 2's servers (bench/scenarios/proxy-overhead.ts): up to `PROXY_SERVERS_MAX` of each of its four builds, +33 to +48. */
export const PROXY_SERVERS_MAX = 4;
export const proxyPorts = (build: number, count: number): number[] =>
  Array.from({ length: count }, (_, i) => PORT_BASE + 33 + build * PROXY_SERVERS_MAX + i);
/**
 * Scenario r (`--baseline`): two servers of the earlier commit's build sharing its database, and two
 * more of the app's build (beside +5 and +15) for its A/A control.
 */
export const BASELINE_PORTS = { baseline: [PORT_BASE + 19, PORT_BASE + 20], twin: [PORT_BASE + 21, PORT_BASE + 22] } as const;
/** The peers (bench/peers/): the bare app and its A/A twin, stock Auth.js (JWT, database sessions), Better Auth (cookie cache off, on). */
export const PEER_PORTS = {
  bare: PORT_BASE + 7,
  bareTwin: PORT_BASE + 8,
  authjsJwt: PORT_BASE + 9,
  authjsDatabase: PORT_BASE + 11,
  betterAuth: PORT_BASE + 12,
  betterAuthCache: PORT_BASE + 13,
} as const;
/** Scenario f's two servers of each build: the bare app, its A/A twin, then each floor step (bench/lib/peers.ts). */
export const floorPorts = (build: number): readonly [number, number] => [PORT_BASE + 23 + 2 * build, PORT_BASE + 24 + 2 * build];
/** Scenario n's servers, on scenario f's ports (the two never run at once). */
export const noisePorts = (count: number): number[] => Array.from({ length: count }, (_, i) => PORT_BASE + 23 + i);
export const IDP_PORT = PORT_BASE + 10;
export const IDP_ISSUER = `http://127.0.0.1:${IDP_PORT}`;
export const appUrl = (port: number) => `http://localhost:${port}`;

/**
 * The Dev IdP issues access tokens for 65 s and the app refreshes 60 s before expiry: a token is due
 * 5 s after it was issued. (With 61 s, a token refreshed at the start of a burst is due again 1 s
 * later, and on a slow machine the same burst legitimately refreshes it a second time.)
 */
export const ACCESS_TOKEN_TTL_SECONDS = 65;
export const APP_REFRESH_SKEW_SECONDS = 60;
export const AUTH_SECRET = "bench-only-secret-0123456789abcdefghijklmnopqrstuvwxyz";

export const ALICE: Credentials = { email: "alice@example.com", password: "alice-password" };
export const BOB: Credentials = { email: "bob@example.com", password: "bob-password" };
export const EVE: Credentials = { email: "eve@example.com", password: "eve-password" };

export const TARGETS = {
  authOverhead: 0.9,
  pageOverhead: 0.85,
  proxyOverhead: 0.95,
  callbackP95Ms: 60,
  refreshes: 1,
  rssGrowth: 0.1,
  overBareBytes: 5_000,
  /** This app ÷ a bare Next.js app on a route that does nothing (scenario p). */
  floor: 0.95,
  /** This app ÷ each peer: ahead of every one. */
  peer: 1,
  /** An earlier commit ÷ this app (scenario r): within 2 % of it, or better. */
  baseline: 0.98,
};

export const RATE_LIMIT_VARIABLES = [
  "RATE_LIMIT_SIGN_IN_IP",
  "RATE_LIMIT_SIGN_IN_ACCOUNT",
  "RATE_LIMIT_CALLBACK_IP",
  "RATE_LIMIT_BEARER_IP",
  "RATE_LIMIT_BEARER_ACCOUNT",
];

/** The build's env: what `next build` sees (fingerprinted with the sources). */
export const BUILD_ENV: Record<string, string> = {
  AUTH_SECRET,
  AUTH_URL: appUrl(APP_PORT),
  AUTH_DEV_IDP: "1",
  DEV_IDP_ISSUER: IDP_ISSUER,
  DEV_IDP_CLIENT_SECRET: BENCH_DEV_IDP_CLIENT_SECRET,
};

export const log = (line: string) => console.log(`[bench] ${line}`);
export const sleep = (msDelay: number) => new Promise((resolve) => setTimeout(resolve, msDelay));
