/** Every scenario, in the order a run measures them. */
import { authOverhead } from "./auth-overhead";
import { baseline } from "./baseline";
import { clientWeightScenario } from "./client-weight";
import { firstLogins } from "./first-logins";
import { floor } from "./floor";
import type { Scenario } from "./helpers";
import { memory } from "./memory";
import { peers } from "./peers";
import { proxyOverhead } from "./proxy-overhead";
import { refreshCoalescing } from "./refresh-coalescing";
import { serverNoise } from "./server-noise";
import { signInLatency } from "./sign-in-latency";

export const SCENARIOS: readonly Scenario[] = [
  clientWeightScenario,
  authOverhead,
  memory,
  proxyOverhead,
  signInLatency,
  refreshCoalescing,
  firstLogins,
  peers,
  floor,
  baseline,
  serverNoise,
];

export type { Context, Scenario } from "./helpers";
