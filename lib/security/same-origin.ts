/**
 * Whether a state-changing request comes from one of our own pages. Browsers send `Origin` on every
 * POST, and `Sec-Fetch-Site` (Fetch Metadata) where supported; a form or script on another site
 * (cross-site, or a sibling subdomain: same-site) cannot make either say same-origin. A request
 * without Origin is refused too: it did not come from a page of ours.
 */
export function isSameOriginRequest(headers: Headers, appOrigin: string): boolean {
  const site = headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin") return false;
  return headers.get("origin") === appOrigin;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * CSRF, at the proxy: a state-changing request that carries cookies must come from one of our own
 * pages. SameSite=Lax already keeps the session cookie off cross-site POSTs in current browsers;
 * this refuses the rest (older browsers, sibling subdomains, `Origin: null` from sandboxed frames
 * and data: URLs). Requests without cookies (API clients with bearer tokens, the provider's
 * back-channel logout) carry no ambient authority and are not this check's concern; server actions
 * are checked again by Next.js and route handlers by `isSameOriginRequest`.
 */
export function isCrossSiteWrite(method: string, headers: Headers, appOrigin: string): boolean {
  if (SAFE_METHODS.has(method.toUpperCase()) || !headers.has("cookie")) return false;
  const site = headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin") return true;
  const origin = headers.get("origin");
  // No Origin: not a browser's cross-site request (browsers send it on every POST); Next.js
  // lets such server actions through too.
  return origin !== null && origin !== appOrigin;
}
