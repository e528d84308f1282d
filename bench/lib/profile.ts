/**
 * Reads a V8 .cpuprofile (node --cpu-prof on the app server) and answers where the time went:
 *
 *  - only the samples taken while the bench's workload ran (start-up and warm-up left out): V8 and
 *    the bench both read CLOCK_MONOTONIC, so the bench's window applies to the server's samples;
 *  - frames in the build's server chunks are mapped back to their sources with the chunks' source
 *    maps, so they read "jose", "next-auth", "app: lib/dal.ts" instead of a chunk name;
 *  - self time per frame and per place (a package, an app file, a part of Node), and inclusive time
 *    per place (time spent in it or in anything it called, synchronously).
 */
import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FrameTime {
  frame: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  file: string;
  /** Whether only the workload's samples were used (else the whole profile: start-up included). */
  windowed: boolean;
  /** Sampled CPU time in the window, idle excluded. */
  busyMs: number;
  idlePercent: number;
  topFrames: FrameTime[];
  selfByPlace: FrameTime[];
  inclusiveByPlace: FrameTime[];
}

/** A window of CLOCK_MONOTONIC time in microseconds (process.hrtime.bigint() / 1000). */
export interface Window {
  fromUs: number;
  toUs: number;
}

export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

const maps = new Map<string, SourceMap | null>();

function sourceMapFor(url: string): SourceMap | null {
  if (!url.startsWith("file://") || !/\/\.next[^/]*\/server\//.test(url)) return null;
  let map = maps.get(url);
  if (map === undefined) {
    map = null;
    try {
      const file = `${fileURLToPath(url)}.map`;
      if (existsSync(file)) map = new SourceMap(JSON.parse(readFileSync(file, "utf8")) as ConstructorParameters<typeof SourceMap>[0]);
    } catch {
      map = null;
    }
    maps.set(url, map);
  }
  return map;
}

function packageOf(source: string): string | undefined {
  const at = source.lastIndexOf("node_modules/");
  if (at < 0) return undefined;
  const rest = source.slice(at + "node_modules/".length).split("/");
  const name = rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1] ?? ""}` : (rest[0] ?? "?");
  if (name === "next") {
    const compiled = /\/compiled\/((?:@[^/]+\/)?[^/]+)/.exec(source);
    if (compiled?.[1]) return `next (compiled ${compiled[1]})`;
  }
  return name;
}

function nodePlace(url: string): string {
  const name = url.slice("node:".length);
  if (/crypto/.test(name)) return "node: crypto";
  if (/modules|vm/.test(name)) return "node: module loading";
  if (/async_hooks|async_context/.test(name)) return "node: async_hooks";
  if (/http|net|stream|tcp|dns|url|buffer|zlib/.test(name)) return "node: http, net, streams";
  if (/timers|process|promises|task_queues/.test(name)) return "node: timers, ticks";
  if (/^fs|internal\/fs/.test(name)) return "node: fs";
  return `node: ${name.replace(/^internal\//, "").split("/")[0] ?? name}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Places every stack passes through (runtime glue): left out of the inclusive ranking. */
const GENERIC_PLACE = /^(\(|node: |V8 builtins|turbopack runtime)/;

interface Placed {
  place: string;
  label: string;
  /** The frame's code is in the proxy's (middleware's) own chunks. */
  inProxy?: boolean;
}

/** Inclusive time of everything the proxy's own chunks ran. */
export const PROXY_PLACE = "proxy.ts: whole proxy bundle (next-auth, jose … as the proxy runs them)";

/** The files server/middleware.js loads (Turbopack gives the proxy chunks of its own). */
export function proxyChunks(distDir: string): Set<string> {
  const entry = path.join(distDir, "server", "middleware.js");
  const files = new Set<string>();
  if (!existsSync(entry)) return files;
  files.add(entry);
  for (const match of readFileSync(entry, "utf8").matchAll(/R\.c\("([^"]+)"\)/g)) {
    if (match[1] && !match[1].includes("[turbopack]_runtime")) files.add(path.join(distDir, match[1]));
  }
  return files;
}

function locate(frame: CallFrame): Placed {
  const name = frame.functionName || "(anonymous)";
  const { url } = frame;
  if (!url) return { place: frame.functionName.startsWith("(") ? frame.functionName : "V8 builtins, native", label: name };
  if (url.startsWith("node:")) return { place: nodePlace(url), label: `${name}  ${url}:${frame.lineNumber + 1}` };
  if (url.startsWith("wasm://")) return { place: "wasm (Prisma query compiler)", label: `${name}  wasm` };
  const map = sourceMapFor(url);
  const entry = map?.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string; originalLine?: number } | undefined;
  const source = entry?.originalSource === undefined ? undefined : safeDecode(entry.originalSource);
  if (source?.startsWith("turbopack://"))
    return { place: "turbopack runtime", label: `${name}  ${source}:${(entry?.originalLine ?? 0) + 1}` };
  if (source) {
    const pkg = packageOf(source);
    const short = pkg
      ? source.slice(source.lastIndexOf("node_modules/") + "node_modules/".length)
      : source.replace(/^.*\/\.build-[^/]+\//, "").replace(/^(\.\.\/)+/, "");
    return { place: pkg ?? `app: ${short}`, label: `${name}  ${short}:${(entry?.originalLine ?? 0) + 1}` };
  }
  const pkg = packageOf(url);
  const file = url.replace(/^file:\/\//, "");
  if (pkg) return { place: pkg, label: `${name}  ${file.slice(file.lastIndexOf("node_modules/") + 13)}:${frame.lineNumber + 1}` };
  const chunk = file.replace(/^.*\/(\.next[^/]*\/)/, "$1");
  if (chunk.includes("[turbopack]_runtime")) return { place: "turbopack runtime", label: `${name}  ${chunk}:${frame.lineNumber + 1}` };
  return { place: "app build (unmapped chunk)", label: `${name}  ${chunk}:${frame.lineNumber + 1}` };
}

export function summariseProfile(file: string, window?: Window, proxyFiles: Set<string> = new Set(), top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));

  // Self time per node, from the samples inside the window (a sample's time is the gap to the next).
  const selfUs = new Map<number, number>();
  let time = profile.startTime;
  let inWindow = 0;
  const tally = (useWindow: boolean) => {
    selfUs.clear();
    time = profile.startTime;
    inWindow = 0;
    for (let i = 0; i < profile.samples.length; i++) {
      time += profile.timeDeltas[i] ?? 0;
      const id = profile.samples[i];
      const delta = Math.max(0, profile.timeDeltas[i + 1] ?? 0);
      if (id === undefined) continue;
      if (useWindow && window && (time < window.fromUs || time > window.toUs)) continue;
      inWindow += 1;
      selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
    }
  };
  tally(true);
  const windowed = Boolean(window) && inWindow > 0;
  if (!windowed) tally(false);

  // Places on each node's path from the root, for inclusive time.
  const placed = new Map<number, Placed>();
  const pathPlaces = new Map<number, Set<string>>();
  const root = profile.nodes[0];
  const stack: [number, Set<string>][] = root ? [[root.id, new Set()]] : [];
  while (stack.length) {
    const [id, above] = stack.pop() ?? [0, new Set<string>()];
    const node = byId.get(id);
    if (!node) continue;
    const where = locate(node.callFrame);
    placed.set(id, where);
    const here = new Set(above);
    if (!GENERIC_PLACE.test(where.place)) here.add(where.place);
    if (node.callFrame.url.startsWith("file://") && proxyFiles.has(fileURLToPath(node.callFrame.url))) here.add(PROXY_PLACE);
    pathPlaces.set(id, here);
    for (const child of node.children ?? []) stack.push([child, here]);
  }

  const frames = new Map<string, number>();
  const selfPlaces = new Map<string, number>();
  const inclusivePlaces = new Map<string, number>();
  let idleUs = 0;
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const where = placed.get(id);
    if (!where) continue;
    if (where.place === "(idle)") {
      idleUs += us;
      continue;
    }
    busyUs += us;
    frames.set(where.label, (frames.get(where.label) ?? 0) + us);
    selfPlaces.set(where.place, (selfPlaces.get(where.place) ?? 0) + us);
    for (const place of pathPlaces.get(id) ?? []) inclusivePlaces.set(place, (inclusivePlaces.get(place) ?? 0) + us);
  }
  const rank = (map: Map<string, number>, n: number): FrameTime[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([frame, us]) => ({ frame, ms: Math.round(us / 100) / 10, percent: Math.round((1000 * us) / Math.max(1, busyUs)) / 10 }));
  return {
    file,
    windowed,
    busyMs: Math.round(busyUs / 1000),
    idlePercent: Math.round((1000 * idleUs) / Math.max(1, idleUs + busyUs)) / 10,
    topFrames: rank(frames, top),
    selfByPlace: rank(selfPlaces, 14),
    inclusiveByPlace: rank(inclusivePlaces, 18),
  };
}
