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
};

export default nextConfig;
