/**
 * The paths anyone may request without a session (lib/security/route-access.ts); every other page
 * is protected, so a new page is safe by default. Its own module so that a build of the bench can
 * add its public twin of /dashboard through its tsconfig (bench/lib/variants.ts) without touching
 * the gate's code.
 */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set([
  "/",
  "/login",
  "/api/health",
  "/favicon.ico",
  "/robots.txt",
  "/.well-known/jwks.json",
]);
