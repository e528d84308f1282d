/**
 * Headers for every response, whatever produced it (a page, a route handler, Auth.js, a static
 * file, an error). Pages also get a Content-Security-Policy with a per-request nonce from the proxy
 * (lib/security/headers.ts); everything under /api gets one that allows nothing, since JSON and
 * redirects never need to load anything.
 */
const securityHeaders = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  // Full URLs stay on our origin; other sites see the origin only, never a path or a query.
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  // A window we open (the provider's login) cannot reach back into ours through window.opener.
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  // For browsers that ignore CSP's frame-ancestors: no clickjacking either way.
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=(), usb=()" },
  // Production only: on a development machine it would pin localhost to https for a year.
  ...(process.env.NODE_ENV === "production" ? [{ key: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains" }] : []),
];

const apiContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  // NEXT_OUTPUT=standalone: a self-contained server in <distDir>/standalone (the Dockerfile uses it).
  output: process.env.NEXT_OUTPUT === "standalone" ? "standalone" : undefined,
  reactStrictMode: true,
  // PGlite loads its WASM and data files from its own package folder at run time: bundling it
  // would break those paths, so Node loads these from node_modules as they are.
  serverExternalPackages: ["@electric-sql/pglite", "pglite-prisma-adapter"],
  // Lets a test build (e2e/no-proxy) live beside the normal one.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // The e2e builds (another distDir) get a tsconfig of their own: Next.js adds the build
  // folder's types to whichever tsconfig it uses, and tsconfig.json is not theirs to rewrite.
  typescript: { tsconfigPath: process.env.NEXT_TSCONFIG_PATH || "tsconfig.json" },
  experimental: {
    // Request bodies are limited to 1 MB (lib/security/request-body.ts MAX_REQUEST_BODY_BYTES; a unit test
    // keeps these equal): server actions, and the copy of a page request's body Next.js keeps for
    // the proxy (10 MB by default), which a flood of large posts would otherwise hold in memory.
    serverActions: { bodySizeLimit: "1mb" },
    proxyClientMaxBodySize: "1mb",
  },
  async headers() {
    return [
      { source: "/:path*", headers: securityHeaders },
      { source: "/api/:path*", headers: [{ key: "Content-Security-Policy", value: apiContentSecurityPolicy }] },
      { source: "/.well-known/:path*", headers: [{ key: "Content-Security-Policy", value: apiContentSecurityPolicy }] },
    ];
  },
};

export default nextConfig;
