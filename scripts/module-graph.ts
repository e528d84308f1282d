// npx tsx scripts/module-graph.ts <entry> [<entry> …]
//
// The app's own modules a request loads: every file under the project (not node_modules) reached
// from the entries through static imports (`import … from`, `export … from`, `import "…"`; not
// `import type`). A dynamic `import()` loads only when its code runs, so its target is listed
// apart, not followed; pass it as an entry when the request runs it. docs/architecture.md counts a
// signed-in page request and an OAuth callback with it, before and after the redesign, and
// test/architecture.test.ts uses it to keep the import graph free of cycles.
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const root = process.cwd();
const EXTENSIONS = ["", ".ts", ".tsx", ".mjs", ".js", "/index.ts", "/index.tsx"];
const STATIC_IMPORT = /(?:^|\n)\s*(?:import|export)\s+(?!type\b)(?:[^"';]*?\s+from\s+)?["']([^"']+)["']/g;
const DYNAMIC_IMPORT = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

/** The project file a specifier names (`@/…` or relative), or null for a package. */
function resolve(from: string, specifier: string): string | null {
  let base: string;
  if (specifier.startsWith("@/")) base = path.join(root, specifier.slice(2));
  else if (specifier.startsWith(".")) base = path.resolve(path.dirname(from), specifier);
  else return null;
  for (const extension of EXTENSIONS) {
    const candidate = base + extension;
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

function isOwnModule(file: string): boolean {
  return !file.includes(`${path.sep}node_modules${path.sep}`) && !file.includes(`${path.sep}prisma${path.sep}generated`);
}

/** The project files `file` imports (absolute paths): statically, and with `dynamic` also through `import()`. */
export function importsOf(file: string, kinds: { dynamic: boolean } = { dynamic: false }): string[] {
  const source = readFileSync(file, "utf8");
  const patterns = kinds.dynamic ? [STATIC_IMPORT, DYNAMIC_IMPORT] : [STATIC_IMPORT];
  const targets = new Set<string>();
  for (const pattern of patterns) {
    for (const match of source.matchAll(pattern)) {
      const target = resolve(file, match[1]!);
      if (target && isOwnModule(target)) targets.add(target);
    }
  }
  return [...targets];
}

/** The modules the entries load (project-relative), and the targets of dynamic imports among them that are not loaded already. */
export function moduleGraph(entries: string[]): { modules: string[]; lazy: string[] } {
  const seen = new Set<string>();
  const queue = entries.map((entry) => path.resolve(root, entry));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file) || !isOwnModule(file)) continue;
    seen.add(file);
    queue.push(...importsOf(file).filter((target) => !seen.has(target)));
  }
  const lazy = new Set([...seen].flatMap((file) => importsOf(file, { dynamic: true })).filter((file) => !seen.has(file)));
  const relative = (files: Iterable<string>) => [...files].map((file) => path.relative(root, file)).sort();
  return { modules: relative(seen), lazy: relative(lazy) };
}

if (process.argv[1]?.endsWith("module-graph.ts")) {
  const { modules, lazy } = moduleGraph(process.argv.slice(2));
  for (const file of modules) console.log(file);
  console.log(`${modules.length} modules`);
  if (lazy.length > 0) console.log(`loaded only when their code runs: ${lazy.join(", ")}`);
}
