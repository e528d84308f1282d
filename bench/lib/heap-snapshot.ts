/**
 * What a server's heap is made of, from a V8 heap snapshot (bench/lib/heap-probe.cjs writes one
 * after two full collections when the bench asks): the self sizes of its nodes summed by kind,
 * the source text of the scripts it loaded by package, and its largest kinds of object. Enough to
 * tell "loads more code" from "keeps more data" when two servers' heaps differ.
 */
import { readFileSync } from "node:fs";

/** The parts of the snapshot format read here (V8's HeapSnapshotJSONSerializer). */
interface RawSnapshot {
  snapshot: {
    meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface HeapComposition {
  totalBytes: number;
  /** Compiled code, bytecode and the function and scope descriptions V8 keeps beside them. */
  codeBytes: number;
  /** The source text of every loaded script (V8 keeps it for lazy compilation and toString). */
  scriptSourceBytes: number;
  /** Every other string. */
  stringBytes: number;
  /** JavaScript objects, arrays, closures and their backing stores. */
  objectBytes: number;
  /** Native memory the heap accounts for (buffers, typed arrays) and V8's own structures. */
  otherBytes: number;
  /** Script source by where it came from: a package of node_modules, the build's bundles, Node's own. */
  scriptSourceByOrigin: Record<string, number>;
  /** The kinds of object (constructor names) holding the most bytes themselves, largest first. */
  topObjects: { name: string; bytes: number; count: number }[];
}

const STRING_TYPES = new Set(["string", "concatenated string", "sliced string"]);
const OBJECT_TYPES = new Set(["object", "closure", "array", "regexp", "number", "symbol", "bigint"]);

/** node_modules/<package> (scoped too, the innermost when nested), the build's server bundles, Node's internals, or other files. */
export function originOf(scriptName: string): string {
  const parts = scriptName.split(/node_modules\//);
  if (parts.length > 1) {
    const rest = parts[parts.length - 1]!.split("/");
    return rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  // <distDir>/server/…: .next for the peers, bench/out/.build-<variant> for the app's builds.
  if (/[\\/]server[\\/]/.test(scriptName)) return "the build's server bundles";
  if (/^(node:|internal\/)/.test(scriptName) || !scriptName.includes("/")) return "Node.js and V8 internals";
  return "other files";
}

/** Reads a snapshot's composition. Sizes are self sizes: what each node holds, not what it keeps alive. */
export function summarizeHeapSnapshot(raw: RawSnapshot, topCount = 12): HeapComposition {
  const { meta } = raw.snapshot;
  const [types, edgeTypes] = [meta.node_types[0], meta.edge_types[0]];
  const nodeFieldCount = meta.node_fields.length;
  const edgeFieldCount = meta.edge_fields.length;
  const field = (name: string, fields: string[]): number => {
    const index = fields.indexOf(name);
    if (index < 0) throw new Error(`heap snapshot without the ${name} field`);
    return index;
  };
  const TYPE = field("type", meta.node_fields);
  const NAME = field("name", meta.node_fields);
  const SIZE = field("self_size", meta.node_fields);
  const EDGES = field("edge_count", meta.node_fields);
  const EDGE_TYPE = field("type", meta.edge_fields);
  const EDGE_NAME = field("name_or_index", meta.edge_fields);
  const EDGE_TO = field("to_node", meta.edge_fields);
  const { nodes, edges, strings } = raw;

  // Scripts are "code" nodes with an internal "source" edge to their text: find those strings first.
  const sourceOf = new Map<number, string>();
  for (let node = 0, edge = 0; node < nodes.length; node += nodeFieldCount) {
    const edgeCount = nodes[node + EDGES]!;
    if (types[nodes[node + TYPE]!] === "code") {
      for (let e = edge; e < edge + edgeCount * edgeFieldCount; e += edgeFieldCount) {
        if (edgeTypes[edges[e + EDGE_TYPE]!] === "internal" && strings[edges[e + EDGE_NAME]!] === "source")
          sourceOf.set(edges[e + EDGE_TO]!, strings[nodes[node + NAME]!]!);
      }
    }
    edge += edgeCount * edgeFieldCount;
  }

  const composition: HeapComposition = {
    totalBytes: 0,
    codeBytes: 0,
    scriptSourceBytes: 0,
    stringBytes: 0,
    objectBytes: 0,
    otherBytes: 0,
    scriptSourceByOrigin: {},
    topObjects: [],
  };
  const objects = new Map<string, { bytes: number; count: number }>();
  for (let node = 0; node < nodes.length; node += nodeFieldCount) {
    const type = types[nodes[node + TYPE]!]!;
    const size = nodes[node + SIZE]!;
    composition.totalBytes += size;
    const script = sourceOf.get(node);
    if (script !== undefined) {
      composition.scriptSourceBytes += size;
      const origin = originOf(script);
      composition.scriptSourceByOrigin[origin] = (composition.scriptSourceByOrigin[origin] ?? 0) + size;
    } else if (type === "code") composition.codeBytes += size;
    else if (STRING_TYPES.has(type)) composition.stringBytes += size;
    else if (OBJECT_TYPES.has(type)) {
      composition.objectBytes += size;
      const name = type === "object" ? strings[nodes[node + NAME]!]! : `(${type})`;
      const entry = objects.get(name) ?? { bytes: 0, count: 0 };
      entry.bytes += size;
      entry.count += 1;
      objects.set(name, entry);
    } else composition.otherBytes += size;
  }
  composition.topObjects = [...objects]
    .map(([name, { bytes, count }]) => ({ name, bytes, count }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, topCount);
  return composition;
}

export const readHeapSnapshot = (file: string): HeapComposition =>
  summarizeHeapSnapshot(JSON.parse(readFileSync(file, "utf8")) as RawSnapshot);
