import type { AppEnv } from "@/lib/config/env";
import { formActionOrigins, imageOrigins } from "@/lib/providers/registry";

/**
 * The browser-side half of the app's defences: what every response tells the browser to refuse.
 *
 * Pages get a Content-Security-Policy with a fresh nonce per request (set by the proxy, which
 * passes it to Next.js in the request's own CSP header so that Next.js stamps it on the scripts it
 * renders). Scripts run only with that nonce, or when loaded by one that has it ('strict-dynamic'):
 * an injected <script> or inline handler does nothing, even if an escaping bug ever let one in.
 * The headers that do not change per request (nosniff, HSTS, …) are in next.config.mjs.
 */

export const NONCE_BYTES = 16;

export function createNonce(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(NONCE_BYTES))).toString("base64");
}

export interface PagePolicyOptions {
  nonce: string;
  env: AppEnv;
}

export function pageContentSecurityPolicy({ nonce, env }: PagePolicyOptions): string {
  // Every page request needs one, and only the nonce changes: the rest is built once per configuration.
  let template = templates.get(env);
  if (!template) {
    const [before = "", after = ""] = buildPolicy(NONCE_SLOT, env).split(NONCE_SLOT);
    templates.set(env, (template = { before, after }));
  }
  return `${template.before}${nonce}${template.after}`;
}

const NONCE_SLOT = "\u0000nonce\u0000";
const templates = new WeakMap<AppEnv, { before: string; after: string }>();

function buildPolicy(nonce: string, env: AppEnv): string {
  const development = env.mode === "development";
  const httpsOnly = env.authUrl?.startsWith("https://") ?? false;
  const directives: [string, ...string[]][] = [
    ["default-src", "'self'"],
    // 'unsafe-eval' only in development: React's dev build rebuilds call stacks with eval.
    ["script-src", "'self'", `'nonce-${nonce}'`, "'strict-dynamic'", ...(development ? ["'unsafe-eval'"] : [])],
    // Stylesheets only from us: the markup has no style attributes and no <style> blocks (Tailwind
    // classes in one stylesheet), so injected markup cannot restyle a page to phish. Development
    // keeps 'unsafe-inline' for Next.js's error overlay and hot reload, which inject <style> tags.
    ["style-src", "'self'", ...(development ? ["'unsafe-inline'"] : [])],
    ["img-src", "'self'", "data:", "https:", ...imageOrigins(env)],
    ["font-src", "'self'"],
    // Development's hot reload talks over a WebSocket to the same host.
    ["connect-src", "'self'", ...(development ? ["ws:"] : [])],
    ["form-action", "'self'", ...formActionOrigins(env)],
    ["frame-ancestors", "'none'"],
    ["base-uri", "'none'"],
    ["object-src", "'none'"],
    ...(httpsOnly ? ([["upgrade-insecure-requests"]] as [string][]) : []),
  ];
  return directives.map((d) => d.join(" ")).join("; ");
}
