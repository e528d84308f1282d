// The app's own clients over a PGlite folder: nothing is opened before the
// first query, data survives close and reopen, and `db` is one client per
// process.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { PGlite } from "@electric-sql/pglite";
import { createAdapterFactory } from "../adapter-factory";
import { pgliteAdapterFactoryFor } from "./adapter";
import { createPrismaClient } from "../client";
import { parseDatabaseUrl } from "../database-url";
import { applyMigrations } from "../migrations";
import { openPGliteLocations } from "./instances";
import { lockPathFor } from "./lock";
import { emptyClusterSnapshot } from "./memory";

let tmp: string;
let migratedTemplate: string;
// Creating a folder runs initdb (4-7 s, much more on a busy machine); the
// first test does that for real, the others copy a migrated folder.
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pglite-folder-test-"));
  migratedTemplate = path.join(tmp, "template");
  const pglite = await PGlite.create({ dataDir: migratedTemplate, loadDataDir: await emptyClusterSnapshot() });
  try {
    await applyMigrations(pgliteAdapterFactoryFor(pglite));
  } finally {
    await pglite.close();
  }
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("a PGlite folder", () => {
  it("is not touched until the first query, and keeps its data across close and reopen", async () => {
    const dir = path.join(tmp, "app-db");
    const target = parseDatabaseUrl(`pglite:${dir}`);
    const first = createPrismaClient(target);
    // Constructing a client (what importing lib/db does, e.g. in `next build`) opens nothing.
    await new Promise((r) => setTimeout(r, 50));
    expect(fs.existsSync(dir)).toBe(false);
    expect(fs.existsSync(lockPathFor(dir))).toBe(false);

    await applyMigrations(createAdapterFactory(target));
    const user = await first.user.create({ data: { email: "persist@example.com" } });
    expect(fs.existsSync(path.join(dir, "PG_VERSION"))).toBe(true);
    expect(fs.existsSync(lockPathFor(dir))).toBe(true);

    await first.$disconnect();
    expect(openPGliteLocations()).not.toContain(dir);
    expect(fs.existsSync(lockPathFor(dir))).toBe(false);

    const second = createPrismaClient(target);
    try {
      expect(await second.user.findUnique({ where: { id: user.id } })).toMatchObject({ email: "persist@example.com" });
    } finally {
      await second.$disconnect();
    }
  }, 120_000);

  it("pglite:memory is migrated on connect and shared by the process's clients", async () => {
    const a = createPrismaClient(parseDatabaseUrl("pglite:memory"));
    const b = createPrismaClient(parseDatabaseUrl("pglite:memory"));
    try {
      await a.user.create({ data: { email: "memory@example.com" } });
      expect(await b.user.count({ where: { email: "memory@example.com" } })).toBe(1);
    } finally {
      await a.$disconnect();
      await b.$disconnect();
    }
  });
});

describe("db (lib/db/index.ts)", () => {
  const saved = process.env.DATABASE_URL;
  afterEach(() => {
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
  });

  it("is created once per process, lazily, and follows DATABASE_URL", async () => {
    const dir = path.join(tmp, "index-db");
    process.env.DATABASE_URL = `pglite:${dir}`;
    vi.resetModules();
    const { db: first } = await import("../index");
    vi.resetModules();
    const { db: again } = await import("../index");
    // A hot reload (or the proxy's separate bundle) gets the same client.
    expect(again).toBe(first);
    expect(fs.existsSync(dir)).toBe(false);

    fs.cpSync(migratedTemplate, dir, { recursive: true });
    expect(await first.user.count()).toBe(0);

    process.env.DATABASE_URL = `pglite:${path.join(tmp, "index-db-2")}`;
    vi.resetModules();
    const { db: other } = await import("../index");
    expect(other).not.toBe(first);
    await first.$disconnect();
    await vi.waitFor(() => expect(openPGliteLocations()).not.toContain(dir));
  });

  it("fails on import, clearly, when DATABASE_URL is malformed", async () => {
    process.env.DATABASE_URL = "mysql://root:hunter2@db/app";
    vi.resetModules();
    const error = await import("../index").catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^DATABASE_URL is not a supported database URL \(mysql:\/\/root:\*\*\*@db\/app\)/);
  });
});
