import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { applyRuntimeFixes, resolveCommit } from "./baseline";

// The line as the commits before d56a202 had it, inside a plausible neighbourhood.
const OLD_LINE =
  "    if (WITHOUT_BODY.has(request.method.toUpperCase())) return handler(request instanceof NextRequest ? request : new NextRequest(request));";

let dirs: string[] = [];
function snapshot(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-baseline-"));
  dirs.push(dir);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

describe("applyRuntimeFixes", () => {
  it("rebuilds a GET's NextRequest from its parts in a snapshot that copied the request (Node 24 cannot copy Next.js's Proxy)", () => {
    const dir = snapshot({ "lib/request-body.ts": `before\n${OLD_LINE}\nafter\n` });
    const applied = applyRuntimeFixes(dir);
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatch(/^d56a202 \(lib\/request-body\.ts\): Node 24/);
    const text = readFileSync(path.join(dir, "lib/request-body.ts"), "utf8");
    expect(text).not.toContain("new NextRequest(request))");
    expect(text).toContain("new NextRequest(request.url, { method: request.method, headers: request.headers, signal: request.signal })");
    expect(text.startsWith("before\n") && text.endsWith("\nafter\n")).toBe(true);
  });

  it("leaves a snapshot that already has the fix as it is", () => {
    const fixed = "return handler(new NextRequest(request.url, { method: request.method }));\n";
    const dir = snapshot({ "lib/security/request-body.ts": fixed });
    expect(applyRuntimeFixes(dir)).toEqual([]);
    expect(readFileSync(path.join(dir, "lib/security/request-body.ts"), "utf8")).toBe(fixed);
  });

  it("refuses a file with the old text twice rather than guess which to change", () => {
    const dir = snapshot({ "lib/request-body.ts": `${OLD_LINE}\n${OLD_LINE}\n` });
    expect(() => applyRuntimeFixes(dir)).toThrow(/lib\/request-body\.ts has the text d56a202 fixes 2 times/);
  });
});

describe("resolveCommit", () => {
  it("names the full commit a short name stands for", () => {
    expect(resolveCommit("HEAD")).toMatch(/^[0-9a-f]{40}$/);
  });

  it("refuses a name that is no commit here, naming the option", () => {
    expect(() => resolveCommit("no-such-commit-anywhere")).toThrow("--baseline=no-such-commit-anywhere: no such commit in this repository");
  });
});
