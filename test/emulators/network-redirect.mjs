/**
 * Loaded into an app server under test with `node --import` (NODE_OPTIONS), never by the app
 * itself: the server's requests to a real provider's hosts (accounts.google.com, api.github.com…)
 * go to the emulator of that provider instead, a DNS override for fetch. The app keeps building
 * and checking the real https URLs; only the connection lands on 127.0.0.1.
 *
 * PROVIDER_EMULATOR_HOSTS is a JSON object: { "accounts.google.com": "http://127.0.0.1:3320", … }.
 * The original host travels in `x-emulated-host`, so one emulator can serve several hosts.
 */
const hosts = JSON.parse(process.env.PROVIDER_EMULATOR_HOSTS ?? "{}");
for (const [host, base] of Object.entries(hosts)) {
  const { hostname } = new URL(base);
  if (hostname !== "127.0.0.1" && hostname !== "localhost") throw new Error(`emulator for ${host} must be on loopback, got ${base}`);
}

const realFetch = globalThis.fetch;

globalThis.fetch = function emulatedFetch(input, init) {
  const request = input instanceof Request ? input : undefined;
  const url = new URL(request ? request.url : String(input));
  const base = url.protocol === "https:" ? hosts[url.host] : undefined;
  if (!base) return realFetch(input, init);
  const target = new URL(url.pathname + url.search, base);
  const headers = new Headers(init?.headers ?? request?.headers);
  headers.set("x-emulated-host", url.host);
  return realFetch(request ? new Request(target, request) : target, { ...init, headers });
};
