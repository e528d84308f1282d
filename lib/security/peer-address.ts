import { subscribe } from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";

import { processSingleton } from "@/lib/process-singleton";
import { PEER_ADDRESS_HEADER } from "@/lib/security/client-address";

/**
 * Writes the TCP peer's address into every request's PEER_ADDRESS_HEADER before Next.js sees it
 * (lib/security/client-address.ts uses it when TRUSTED_PROXY_HOPS=0). Route handlers get no socket, and
 * Next.js only fills X-Forwarded-For from the socket when the client did not send one, so without
 * this a client talking to the server directly could always choose its own address.
 *
 * Node publishes `http.server.request.start` for each request before the server's handler runs
 * (node:diagnostics_channel, a documented hook); any value of the header a client sent is
 * overwritten. Installed once per process, from instrumentation.ts.
 */

interface RequestStart {
  request: IncomingMessage;
  socket: Socket;
}

export function stampPeerAddress({ request, socket }: RequestStart): void {
  const address = socket.remoteAddress;
  if (address) request.headers[PEER_ADDRESS_HEADER] = address;
  else delete request.headers[PEER_ADDRESS_HEADER];
}

export function installPeerAddressHeader(): void {
  processSingleton("peer-address", () => subscribe("http.server.request.start", (message) => stampPeerAddress(message as RequestStart)));
}
