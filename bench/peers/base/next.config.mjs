/** @type {import('next').NextConfig} */
const nextConfig = {
  // The bench builds this app inside the project's folder: its own folder is its workspace root,
  // not the project's (Turbopack would otherwise take the nearest lockfile above).
  turbopack: { root: import.meta.dirname },
};

export default nextConfig;
