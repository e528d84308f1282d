import { describe, expect, it } from "vitest";

import { createHealthHandler, READINESS_REUSE_MS } from "@/lib/http/health";

const probe = (query = "") => new Request(`http://localhost/api/health${query}`);

function database(answers: () => Promise<unknown>) {
  let pings = 0;
  return {
    ping: () => {
      pings += 1;
      return answers();
    },
    get pings() {
      return pings;
    },
  };
}

describe("GET /api/health", () => {
  it("tells an anonymous caller only ok, and an operator who asked for details the database and session cache too", async () => {
    const db = database(async () => 1);
    const plain = await createHealthHandler({ ping: db.ping, details: false, sessionCacheState: () => "live" })(probe());
    expect(plain.status).toBe(200);
    expect(await plain.json()).toEqual({ status: "ok" });
    const detailed = await createHealthHandler({ ping: db.ping, details: true, sessionCacheState: () => "live" })(probe());
    expect(await detailed.json()).toEqual({ status: "ok", db: "ok", sessionCache: "live" });
  });

  it("answers 503 error (with Retry-After) when the database does not answer, and nothing more", async () => {
    const db = database(() => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432 password=hunter2")));
    const response = await createHealthHandler({ ping: db.ping, details: false, sessionCacheState: () => "live" })(probe());
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(await response.text()).toBe(JSON.stringify({ status: "error" }));
  });

  it("costs a flood of probes one database round trip per second, not one each", async () => {
    let t = 0;
    const db = database(async () => 1);
    const health = createHealthHandler({ ping: db.ping, details: false, sessionCacheState: () => "idle", now: () => t });
    const answers = await Promise.all(Array.from({ length: 50 }, () => health(probe())));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(db.pings).toBe(1);
    t = READINESS_REUSE_MS;
    await health(probe());
    expect(db.pings).toBe(2);
  });

  it("answers liveness from the process alone", async () => {
    const db = database(() => Promise.reject(new Error("down")));
    const response = await createHealthHandler({ ping: db.ping, details: false, sessionCacheState: () => "off" })(probe("?live=1"));
    expect(response.status).toBe(200);
    expect(db.pings).toBe(0);
  });
});
