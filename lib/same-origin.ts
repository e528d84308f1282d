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
