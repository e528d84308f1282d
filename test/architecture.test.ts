/**
 * The shape docs/architecture.md describes, kept by tests: no import cycles, product code that
 * never reaches into test support, and pages that load no API-token, provider-token or PGlite
 * modules until something uses them.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

import { importsOf, moduleGraph } from "@/scripts/module-graph";

const root = process.cwd();
const PRODUCT = ["app", "components", "lib", "idp"];

function sourcesUnder(folder: string): string[] {
  return readdirSync(path.join(root, folder), { withFileTypes: true }).flatMap((entry) => {
    const child = path.join(folder, entry.name);
    if (entry.isDirectory()) return sourcesUnder(child);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".test.ts") ? [path.join(root, child)] : [];
  });
}

const productFiles = [...PRODUCT.flatMap(sourcesUnder), path.join(root, "proxy.ts"), path.join(root, "instrumentation.ts")];
const relative = (file: string) => path.relative(root, file);

/** Strongly connected groups of more than one module (Tarjan), i.e. import cycles. */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(relative(member));
    } while (member !== node);
    if (group.length > 1) found.push(group.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

describe("the import graph", () => {
  const everything = [...productFiles, ...sourcesUnder("test"), ...sourcesUnder("scripts")];
  const graph = new Map(everything.map((file) => [file, importsOf(file, { dynamic: true })]));

  it("sees the app's imports (a parser that found none would pass every check below)", () => {
    const edges = [...graph.values()].reduce((sum, targets) => sum + targets.length, 0);
    expect(edges).toBeGreaterThan(300);
    expect(graph.get(path.join(root, "lib/dal.ts"))?.map(relative)).toContain("lib/session/authenticate.ts");
  });

  it("finds a cycle when there is one", () => {
    const a = "/x/a.ts";
    const b = "/x/b.ts";
    expect(
      cycles(
        new Map([
          [a, [b]],
          [b, [a]],
        ]),
      ),
    ).toHaveLength(1);
  });

  it("has no import cycles, counting the imports loaded on first use", () => {
    expect(cycles(graph)).toEqual([]);
  });

  it("keeps test support out of product code: app, components, lib and idp import nothing from test/, e2e/ or bench/, and lib nothing from idp/", () => {
    const crossings = productFiles.flatMap((file) =>
      (graph.get(file) ?? [])
        .map(relative)
        .filter((target) => /^(test|e2e|bench)\//.test(target) || (relative(file).startsWith("lib/") && target.startsWith("idp/")))
        .map((target) => `${relative(file)} -> ${target}`),
    );
    expect(crossings).toEqual([]);
  });
});

describe("what a signed-in page loads", () => {
  const { modules, lazy } = moduleGraph(["proxy.ts", "app/layout.tsx", "app/dashboard/layout.tsx", "app/dashboard/page.tsx"]);

  it("checks the session through the data-access layer", () => {
    expect(modules).toEqual(expect.arrayContaining(["lib/dal.ts", "lib/session/authenticate.ts", "lib/session/registry.ts"]));
  });

  it("loads no API-token, provider-token or PGlite module, nor Auth.js's database half, until something uses them", () => {
    const eager = modules.filter(
      (module) => /^lib\/(api-tokens|providers\/tokens|db\/pglite)\//.test(module) || module === "lib/auth/next-auth.ts",
    );
    expect(eager).toEqual([]);
    expect(lazy).toEqual(expect.arrayContaining(["lib/api-tokens/caller.ts", "lib/auth/next-auth.ts", "lib/db/pglite/adapter.ts"]));
  });
});
