/**
 * First-load JS of a route, from the build's own manifests (no page is added to app/):
 *
 *   framework floor   build-manifest.json's rootMainFiles: the runtime every App Router page loads
 *   bare page         the floor + the client chunks of the root-level segments every page renders
 *                     (app/layout, app/error, app/not-found, app/global-error, …), i.e. what a page
 *                     with no client code of its own, under the root layout, would load
 *   route             the floor + every chunk in the route's client reference manifest
 *                     (server/app/<route>/page_client-reference-manifest.js → entryJSFiles)
 *
 * Sizes are of the files in <distDir>/static, raw and gzipped (zlib level 9, as a CDN would send
 * them), each file counted once. The polyfill chunk (nomodule) is left out: modern browsers skip it.
 * The chunk list is cross-checked against the <script src> tags of the HTML the server really sends.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import vm from "node:vm";
import { gzipSync } from "node:zlib";

export interface ChunkSet {
  files: string[];
  rawBytes: number;
  gzipBytes: number;
}

export interface RouteWeight extends ChunkSet {
  route: string;
  /** gzip bytes above the bare page. */
  overBareGzipBytes: number;
  /** Chunks only this route loads (not in the bare page). */
  ownFiles: string[];
  /** <script src> chunks in the served HTML that the manifests did not predict, and the reverse. */
  htmlCheck?: { onlyInHtml: string[]; onlyInManifest: string[] };
}

export interface ClientWeight {
  frameworkFloor: ChunkSet;
  barePage: ChunkSet;
  routes: RouteWeight[];
  /**
   * The app's own client components ("use client" modules outside node_modules) found in the
   * chunks above, each module's code gzipped on its own. Turbopack may put them all into the chunk
   * the root layout loads, and then the bare page carries them too: this is what they weigh.
   */
  appClientModules: { module: string; rawBytes: number; gzipBytes: number; inChunks: string[] }[];
}

interface RscManifest {
  entryJSFiles?: Record<string, string[]>;
  clientModules?: Record<string, { id: number | string; chunks?: string[] }>;
}

const ROOT_SEGMENTS = /^(layout|template|error|loading|not-found|global-error|forbidden|unauthorized)$/;

/**
 * Turbopack names modules from its project root, which is the folder of the nearest lockfile: for
 * a build in a subfolder (the bench's snapshots) keys read "[project]/bench/out/.build-app/app/…".
 * The prefix up to the app folder, found from the root layout's key.
 */
function appPrefix(manifests: Iterable<RscManifest>): string {
  let best: string | undefined;
  for (const manifest of manifests) {
    for (const key of Object.keys(manifest.entryJSFiles ?? {})) {
      const match = /^(\[project\]\/(?:.*\/)?)app\/layout$/.exec(key);
      if (match?.[1] && (best === undefined || match[1].length < best.length)) best = match[1];
    }
  }
  if (best === undefined) throw new Error("no root layout (…/app/layout) in the client reference manifests");
  return best;
}

function sizes(distDir: string, files: Iterable<string>): ChunkSet {
  const list = [...new Set(files)].sort();
  let rawBytes = 0;
  let gzipBytes = 0;
  for (const file of list) {
    const content = readFileSync(path.join(distDir, file));
    rawBytes += content.length;
    gzipBytes += gzipSync(content, { level: 9 }).length;
  }
  return { files: list, rawBytes, gzipBytes };
}

function routeManifest(distDir: string, route: string): RscManifest {
  const segment = route === "/" ? "/page" : `${route}/page`;
  const file = path.join(distDir, "server", "app", `${segment}_client-reference-manifest.js`);
  const context = vm.createContext({});
  vm.runInContext(readFileSync(file, "utf8"), context, { filename: file, timeout: 1000 });
  const manifests = (context as { __RSC_MANIFEST?: Record<string, RscManifest> }).__RSC_MANIFEST ?? {};
  const manifest = manifests[segment];
  if (!manifest?.entryJSFiles) throw new Error(`no entryJSFiles for ${segment} in ${file}`);
  return manifest;
}

const normalise = (file: string) => file.replace(/^\/?_next\//, "").replace(/^\//, "");

/** The chunk files a served page's HTML loads with <script src>. */
export function scriptsInHtml(html: string): string[] {
  const files = new Set<string>();
  for (const match of html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"[^>]*>/g)) {
    const tag = match[0];
    const src = match[1] ?? "";
    if (/\bnoModule\b|\bnomodule\b/.test(tag)) continue;
    if (src.includes("/_next/static/")) files.add(normalise(new URL(src, "http://x").pathname));
  }
  return [...files].sort();
}

export function clientWeight(distDir: string, routes: string[], html: Record<string, string | undefined> = {}): ClientWeight {
  const buildManifest = JSON.parse(readFileSync(path.join(distDir, "build-manifest.json"), "utf8")) as {
    rootMainFiles?: string[];
    polyfillFiles?: string[];
  };
  const polyfills = new Set(buildManifest.polyfillFiles ?? []);
  const floorFiles = (buildManifest.rootMainFiles ?? []).filter((f) => !polyfills.has(f));
  if (floorFiles.length === 0) throw new Error("build-manifest.json lists no rootMainFiles");

  const manifests = new Map(routes.map((route) => [route, routeManifest(distDir, route)]));
  const prefix = appPrefix(manifests.values());
  const bareFiles = new Set(floorFiles);
  for (const manifest of manifests.values()) {
    for (const [segment, files] of Object.entries(manifest.entryJSFiles ?? {})) {
      if (segment.startsWith(`${prefix}app/`) && ROOT_SEGMENTS.test(segment.slice(prefix.length + 4)))
        for (const file of files) bareFiles.add(file);
    }
  }
  const barePage = sizes(distDir, bareFiles);

  const weights: RouteWeight[] = [];
  for (const [route, manifest] of manifests) {
    const files = new Set(floorFiles);
    for (const list of Object.values(manifest.entryJSFiles ?? {})) for (const file of list) files.add(file);
    const set = sizes(distDir, files);
    const weight: RouteWeight = {
      route,
      ...set,
      overBareGzipBytes: set.gzipBytes - barePage.gzipBytes,
      ownFiles: set.files.filter((f) => !bareFiles.has(f)),
    };
    const page = html[route];
    if (page !== undefined) {
      const served = new Set(scriptsInHtml(page));
      weight.htmlCheck = {
        onlyInHtml: [...served].filter((f) => !files.has(f)),
        onlyInManifest: [...files].filter((f) => !served.has(f)),
      };
    }
    weights.push(weight);
  }
  return {
    frameworkFloor: sizes(distDir, floorFiles),
    barePage,
    routes: weights,
    appClientModules: appModules(distDir, manifests.values(), prefix),
  };
}

/** Module id → the module factory's source, from Turbopack chunks (`TURBOPACK.push([script, id, fn, …])`). */
function moduleSources(distDir: string, chunk: string): Map<string, string> {
  const context = vm.createContext({ TURBOPACK: [] as unknown[] });
  const sources = new Map<string, string>();
  try {
    vm.runInContext(readFileSync(path.join(distDir, chunk), "utf8"), context, { timeout: 2000 });
  } catch {
    return sources; // the runtime chunk, or a format this does not know: no module sizes from it
  }
  for (const pushed of (context as { TURBOPACK: unknown[] }).TURBOPACK) {
    if (!Array.isArray(pushed)) continue;
    for (let i = 1; i + 1 < pushed.length; i += 2) {
      const id = pushed[i];
      const factory = pushed[i + 1];
      if ((typeof id === "number" || typeof id === "string") && typeof factory === "function") sources.set(String(id), String(factory));
    }
  }
  return sources;
}

function appModules(distDir: string, manifests: Iterable<RscManifest>, prefix: string): ClientWeight["appClientModules"] {
  const modules = new Map<string, { id: string; chunks: string[] }>();
  for (const manifest of manifests) {
    for (const [name, entry] of Object.entries(manifest.clientModules ?? {})) {
      if (!name.startsWith(prefix) || name.includes("/node_modules/")) continue;
      modules.set(name.slice(prefix.length).replace(/ \[.*$/, ""), { id: String(entry.id), chunks: (entry.chunks ?? []).map(normalise) });
    }
  }
  const cache = new Map<string, Map<string, string>>();
  const out: ClientWeight["appClientModules"] = [];
  for (const [module, { id, chunks }] of [...modules].sort(([a], [b]) => a.localeCompare(b))) {
    let source: string | undefined;
    for (const chunk of chunks) {
      if (!cache.has(chunk)) cache.set(chunk, moduleSources(distDir, chunk));
      source ??= cache.get(chunk)?.get(id);
    }
    const bytes = Buffer.from(source ?? "");
    out.push({ module, rawBytes: bytes.length, gzipBytes: source ? gzipSync(bytes, { level: 9 }).length : 0, inChunks: chunks });
  }
  return out;
}
