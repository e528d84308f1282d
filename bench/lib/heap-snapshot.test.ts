import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { writeHeapSnapshot } from "node:v8";

import { describe, expect, it } from "vitest";

import { originOf, readHeapSnapshot } from "./heap-snapshot";

describe("originOf", () => {
  it("names the package a script was loaded from, scoped or not, nested node_modules by the innermost", () => {
    expect(originOf("/app/node_modules/jose/dist/node/esm/index.js")).toBe("jose");
    expect(originOf("/app/node_modules/@prisma/client/runtime/client.js")).toBe("@prisma/client");
    expect(originOf("/app/node_modules/next/node_modules/@swc/helpers/cjs/x.cjs")).toBe("@swc/helpers");
  });

  it("tells the build's server bundles, Node's internals and other files apart", () => {
    expect(originOf("/app/.next/server/chunks/ssr/[root-of-the-server]__0a1b2c._.js")).toBe("the build's server bundles");
    expect(originOf("/app/bench/out/.build-app/server/app/api/me/route.js")).toBe("the build's server bundles");
    expect(originOf("/app/scripts/start.mjs")).toBe("other files");
    expect(originOf("node:internal/http")).toBe("Node.js and V8 internals");
    expect(originOf("internal/modules/cjs/loader")).toBe("Node.js and V8 internals");
  });
});

class HeldInTheHeapSnapshotTest {
  readonly payload = "x".repeat(64);
}

describe("summarizeHeapSnapshot", () => {
  it("reads a real snapshot of this process: parts add up to the total, vitest's own source is found, held objects rank by their bytes", () => {
    const held = Array.from({ length: 20_000 }, () => new HeldInTheHeapSnapshotTest());
    const dir = mkdtempSync(path.join(tmpdir(), "bench-heap-"));
    try {
      const composition = readHeapSnapshot(writeHeapSnapshot(path.join(dir, "test.heapsnapshot")));
      const { totalBytes, codeBytes, scriptSourceBytes, stringBytes, objectBytes, otherBytes } = composition;
      expect(codeBytes + scriptSourceBytes + stringBytes + objectBytes + otherBytes).toBe(totalBytes);
      expect(Object.values(composition.scriptSourceByOrigin).reduce((sum, bytes) => sum + bytes, 0)).toBe(scriptSourceBytes);
      expect(composition.scriptSourceByOrigin.vitest).toBeGreaterThan(10_000);
      const ours = composition.topObjects.find((entry) => entry.name === "HeldInTheHeapSnapshotTest");
      expect(ours?.count).toBeGreaterThanOrEqual(held.length);
      expect(ours!.bytes).toBeGreaterThanOrEqual(held.length * 12);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
