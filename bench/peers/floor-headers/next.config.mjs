// The bare app with this app's response headers: its own next.config.mjs (bench/out/.peer-*/ is
// three folders below the project) lends them, so the layer measures exactly what the app sends.
import app from "../../../next.config.mjs";

/** @type {import('next').NextConfig} */
const nextConfig = {
  turbopack: { root: import.meta.dirname },
  poweredByHeader: app.poweredByHeader,
  headers: app.headers,
};

export default nextConfig;
