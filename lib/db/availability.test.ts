import { afterEach, describe, expect, it } from "vitest";

import {
  databaseAvailable,
  isDatabaseUnavailable,
  PROBE_REUSE_MS,
  registerDatabaseProbe,
  reportDatabaseError,
  resetDatabaseAvailability,
} from "@/lib/db/availability";

afterEach(() => resetDatabaseAvailability());

describe("isDatabaseUnavailable", () => {
  it("recognises an unreachable database as Prisma and its PostgreSQL adapter report it", () => {
    // As seen from @prisma/adapter-pg with the server stopped (lib/db/availability.ts lists the codes).
    const refused = {
      name: "PrismaClientKnownRequestError",
      code: "P2010",
      meta: { driverAdapterError: { name: "DriverAdapterError", cause: { kind: "DatabaseNotReachable" } } },
    };
    expect(isDatabaseUnavailable(refused)).toBe(true);
    expect(isDatabaseUnavailable({ name: "PrismaClientKnownRequestError", code: "P1001" })).toBe(true);
    expect(isDatabaseUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }))).toBe(
      true,
    );
    expect(isDatabaseUnavailable(new Error("wrapped", { cause: Object.assign(new Error("x"), { code: "08006" }) }))).toBe(true);
  });

  it("does not take a failed query for an outage", () => {
    expect(isDatabaseUnavailable({ name: "PrismaClientKnownRequestError", code: "P2002" })).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error("duplicate key"), { code: "23505" }))).toBe(false);
    expect(isDatabaseUnavailable(new Error("something else"))).toBe(false);
    // A provider that cannot be reached is not the database.
    expect(isDatabaseUnavailable(new TypeError("fetch failed", { cause: Object.assign(new Error("x"), { code: "ECONNREFUSED" }) }))).toBe(
      false,
    );
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});

describe("databaseAvailable", () => {
  it("costs nothing until an outage is suspected", async () => {
    let probes = 0;
    registerDatabaseProbe(async () => void probes++);
    expect(await databaseAvailable()).toBe(true);
    expect(probes).toBe(0);
  });

  it("once an outage was reported, asks the database (one probe shared by everyone) and says when it is back", async () => {
    let up = false;
    let probes = 0;
    registerDatabaseProbe(async () => {
      probes += 1;
      if (!up) throw new Error("Connection terminated unexpectedly");
    });
    expect(reportDatabaseError({ name: "PrismaClientKnownRequestError", code: "P1001" })).toBe(true);
    const t = Date.now();
    expect(await Promise.all(Array.from({ length: 20 }, () => databaseAvailable(t)))).toEqual(Array(20).fill(false));
    expect(probes).toBe(1);
    up = true;
    expect(await databaseAvailable(t + PROBE_REUSE_MS)).toBe(true);
    // Back: nothing is probed any more.
    expect(await databaseAvailable(t + 10 * PROBE_REUSE_MS)).toBe(true);
    expect(probes).toBe(2);
  });

  it("is not suspicious of an ordinary failed query", () => {
    expect(reportDatabaseError(Object.assign(new Error("duplicate key"), { code: "23505" }))).toBe(false);
  });
});
