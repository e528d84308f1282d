import { describe, expect, it } from "vitest";

import { clientAddress, parseAddress, PEER_ADDRESS_HEADER, rateLimitSubject, UNKNOWN_CLIENT } from "@/lib/security/client-address";

const xff = (value: string) => new Headers({ "x-forwarded-for": value });

describe("parseAddress", () => {
  it("reads the forms proxies write: bare, with a port, bracketed IPv6 with or without a port", () => {
    expect(parseAddress(" 203.0.113.5 ")).toBe("203.0.113.5");
    expect(parseAddress("203.0.113.5:49152")).toBe("203.0.113.5");
    expect(parseAddress("2001:DB8::1")).toBe("2001:db8::1");
    expect(parseAddress("[2001:db8::1]")).toBe("2001:db8::1");
    expect(parseAddress("[2001:db8::1]:443")).toBe("2001:db8::1");
    expect(parseAddress("::ffff:203.0.113.5")).toBe("203.0.113.5");
  });

  it("refuses anything else", () => {
    for (const junk of [
      "unknown",
      "",
      "<script>",
      "example.com",
      "203.0.113.5:port",
      "[203.0.113.5]",
      "[2001:db8::1]x",
      "[2001:db8::1",
      "1.2.3",
    ]) {
      expect(parseAddress(junk)).toBeNull();
    }
  });
});

describe("clientAddress", () => {
  it("with one trusted proxy, is the last X-Forwarded-For entry: the one our proxy wrote", () => {
    expect(clientAddress(xff("203.0.113.9, 198.51.100.7"), 1)).toBe("198.51.100.7");
    expect(clientAddress(xff("198.51.100.7:5555"), 1)).toBe("198.51.100.7");
  });

  it("never falls back to a client-written entry when ours is not an address", () => {
    expect(clientAddress(xff("203.0.113.9, unknown"), 1)).toBeNull();
    expect(clientAddress(xff("203.0.113.9, "), 1)).toBeNull();
  });

  it("with two trusted proxies, is the second entry from the right", () => {
    expect(clientAddress(xff("203.0.113.9, 198.51.100.7, 10.0.0.2"), 2)).toBe("198.51.100.7");
    // A chain shorter than our proxies: one of them did not write, so nothing here is known.
    expect(clientAddress(xff("198.51.100.7"), 2)).toBeNull();
  });

  it("with no trusted proxy, ignores every header a client can send and reads the server's peer record", () => {
    const headers = new Headers({
      "x-forwarded-for": "203.0.113.9",
      "x-real-ip": "203.0.113.10",
      [PEER_ADDRESS_HEADER]: "::ffff:127.0.0.1",
    });
    expect(clientAddress(headers, 0)).toBe("127.0.0.1");
    expect(clientAddress(xff("203.0.113.9"), 0)).toBeNull();
  });

  it("does not read X-Real-IP, which any client can send", () => {
    expect(clientAddress(new Headers({ "x-real-ip": "192.0.2.4" }), 1)).toBeNull();
  });
});

describe("rateLimitSubject", () => {
  it("buckets IPv4 by address and IPv6 by /64, whatever the spelling", () => {
    expect(rateLimitSubject("203.0.113.5")).toBe("203.0.113.5");
    const prefix = "2001:db8:1:2::/64";
    for (const address of ["2001:db8:1:2::1", "2001:0db8:0001:0002:ffff:ffff:ffff:ffff", "2001:db8:1:2:0:0:0:0"]) {
      expect(rateLimitSubject(address)).toBe(prefix);
    }
    expect(rateLimitSubject("2001:db8:1:3::1")).not.toBe(prefix);
    expect(rateLimitSubject("::1")).toBe("0:0:0:0::/64");
    expect(rateLimitSubject("64:ff9b::203.0.113.5")).toBe("64:ff9b:0:0::/64");
  });

  it("puts everyone without a known address in one shared bucket", () => {
    expect(rateLimitSubject(null)).toBe(UNKNOWN_CLIENT);
  });
});
