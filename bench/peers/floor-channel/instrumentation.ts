// The bare app with what the app's instrumentation adds to every request: a subscriber to Node's
// `http.server.request.start` that writes the TCP peer's address into a header before Next.js
// reads the request (the app's lib/security/peer-address.ts does this for TRUSTED_PROXY_HOPS=0).
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";

export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { subscribe } = await import("node:diagnostics_channel");
  subscribe("http.server.request.start", (message) => {
    const { request, socket } = message as { request: IncomingMessage; socket: Socket };
    if (socket.remoteAddress) request.headers["x-peer-address"] = socket.remoteAddress;
    else delete request.headers["x-peer-address"];
  });
}
