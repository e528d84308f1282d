import { request as httpRequest, createServer } from "node:http";
import type { AddressInfo } from "node:net";

import { describe, expect, it } from "vitest";

import { PEER_ADDRESS_HEADER } from "@/lib/security/client-address";
import { installPeerAddressHeader } from "@/lib/security/peer-address";

describe("installPeerAddressHeader", () => {
  it("writes the TCP peer's address into every request before the server sees it, over any value the client sent", async () => {
    installPeerAddressHeader();
    installPeerAddressHeader(); // once per process, however often it is called
    const server = createServer((req, res) => res.end(JSON.stringify(req.headers[PEER_ADDRESS_HEADER])));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const seen = await new Promise<string>((resolve, reject) => {
        const req = httpRequest({ port, host: "127.0.0.1", headers: { [PEER_ADDRESS_HEADER]: "203.0.113.66" } }, (res) => {
          let body = "";
          res.on("data", (chunk) => (body += chunk));
          res.on("end", () => resolve(body));
        });
        req.on("error", reject);
        req.end();
      });
      expect(JSON.parse(seen)).toBe("127.0.0.1");
    } finally {
      server.close();
    }
  });
});
