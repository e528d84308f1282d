/**
 * Scenario p's figures beside throughput: a page of the same size, sign-in latency, memory and
 * the sign-in page's JavaScript, this app's against a peer's. Each ratio is the peer's figure over
 * ours, so that above 1 means this app is ahead, as in the throughput rows.
 */
import path from "node:path";

import { clientWeight } from "../lib/client-weight";
import { ALICE, TARGETS } from "../lib/config";
import { readHeapSnapshot, type HeapComposition } from "../lib/heap-snapshot";
import { heapAfterGc, heapSnapshotFile, mib } from "../lib/memory";
import type { PeerBuild, PeerName } from "../lib/peers";
import { readRss } from "../lib/proc";
import { kB, ms, type Row } from "../lib/report";
import type { App } from "../lib/servers";
import { signIn, type Flavour } from "../lib/signin";
import { percentile, round } from "../lib/stats";

import { raw, status, type Context } from "./helpers";

/** A peer as the rows compare it: how it signs in, and what it checks per request. */
export interface Peer {
  id: string;
  name: string;
  build: PeerName;
  port: number;
  flavour: Flavour;
  env?: Record<string, string>;
  checks: string;
  /** Its sign-in page is another peer's (the same build): no JavaScript row of its own. */
  sameClientAs?: string;
}

/** A server and the cookies a browser signed in as Alice sends it. */
export interface Side {
  server: App;
  cookie: string;
}

/** How far the peer's page may differ in size from the app's /dashboard (HTML bytes). */
const PAGE_SIZE_TOLERANCE = 0.02;

const ratioText = (ratio: number) => `${ratio.toFixed(3)}×`;

/**
 * The peer's protected page with as many rows (`?items=N`, bench/peers/base/app/signed-in-page.tsx)
 * as make its HTML the size of the app's /dashboard; refused when it does not come within 2 %.
 */
export async function pageItems(side: Side, appBytes: number): Promise<{ path: string; sizes: Record<string, number> }> {
  const size = async (items: number) => {
    const page = await raw(`${side.server.url}/dashboard?items=${items}`, { cookie: side.cookie });
    if (page.status !== 200) throw new Error(`GET /dashboard?items=${items} answered ${page.status}`);
    return page.bodyBytes;
  };
  const empty = await size(0);
  const perItem = ((await size(100)) - empty) / 100;
  const items = Math.max(0, Math.round((appBytes - empty) / perItem));
  const bytes = await size(items);
  if (Math.abs(bytes - appBytes) / appBytes > PAGE_SIZE_TOLERANCE) {
    throw new Error(`the peer's page is ${bytes} bytes with ${items} rows, the app's /dashboard ${appBytes}: more than 2 % apart`);
  }
  return { path: `/dashboard?items=${items}`, sizes: { app: appBytes, peer: bytes } };
}

const p = (values: number[], q: number) => round(percentile(values, q), 1);

/** Where a side signs Alice in, and whose sign-in it speaks (Auth.js's unless said). */
export interface SignInTarget {
  url: string;
  flavour?: Flavour;
}

export interface SignInTimes {
  totalMs: { p50: number; p95: number };
  callbackMs: { p50: number; p95: number };
}

/**
 * Sequential complete sign-ins on two sides, alternating (ABBA) after a warm-up of each: the p50
 * and p95 of each side's whole flow and of its callback alone.
 */
export async function alternateSignIns(
  ctx: Context,
  ...targets: [SignInTarget, SignInTarget]
): Promise<{ a: SignInTimes; b: SignInTimes; signInsEach: number }> {
  const { signInWarmup, signIns } = ctx.settings;
  const sides = targets.map(({ url, flavour }) => ({
    run: () => signIn(url, ctx.idp.issuer, ALICE, flavour),
    totals: [] as number[],
    callbacks: [] as number[],
  }));
  for (let i = 0; i < signInWarmup; i++) for (const side of sides) await side.run();
  const pairs = Math.max(2, Math.round(signIns / 2));
  for (let i = 0; i < pairs; i++) {
    for (const side of i % 2 === 0 ? sides : [...sides].reverse()) {
      const result = await side.run();
      side.totals.push(result.totalMs);
      side.callbacks.push(result.callbackMs);
    }
  }
  const summary = (side: (typeof sides)[number]): SignInTimes => ({
    totalMs: { p50: p(side.totals, 50), p95: p(side.totals, 95) },
    callbackMs: { p50: p(side.callbacks, 50), p95: p(side.callbacks, 95) },
  });
  return { a: summary(sides[0]!), b: summary(sides[1]!), signInsEach: pairs };
}

/** p1c…: complete sign-ins through the Dev IdP, ours (the first side) and the peer's alternating (ABBA), and their callbacks alone. */
export async function signInRow(ctx: Context, peer: Peer, app: App, server: App): Promise<Row> {
  const timed = await alternateSignIns(ctx, { url: app.url }, { url: server.url, flavour: peer.flavour });
  const [ours, theirs] = [timed.a, timed.b];
  const ratio = theirs.totalMs.p50 / ours.totalMs.p50;
  return {
    id: `${peer.id}c`,
    scenario: `Sign-in through the Dev IdP: ${peer.name} ÷ this app (p50)`,
    figure:
      `${ratioText(ratio)}: complete p50 app ${ms(ours.totalMs.p50)} vs peer ${ms(theirs.totalMs.p50)}, p95 ${ms(ours.totalMs.p95)} vs ${ms(theirs.totalMs.p95)}; ` +
      `callback p50 ${ms(ours.callbackMs.p50)} vs ${ms(theirs.callbackMs.p50)}`,
    target: `≥ ${TARGETS.peer.toFixed(2)}`,
    status: status(ratio >= TARGETS.peer),
    details: {
      ratio: round(ratio, 3),
      app: ours,
      peer: theirs,
      signInsEach: timed.signInsEach,
      warmupEach: ctx.settings.signInWarmup,
      order: "ABBA",
    },
    note: "Sequential sign-ins as Alice, the app's and the peer's alternating; the callback is timed from the client (code exchange, user, session).",
  };
}

/** p1e…: first-load JavaScript (gzip) of the sign-in page, from each build's manifests, checked against the served HTML. */
export async function clientJsRow(ctx: Context, peer: Peer, app: App, build: PeerBuild, server: App): Promise<Row> {
  const weigh = async (distDir: string, url: string) => {
    const page = await raw(`${url}/login`);
    if (page.status !== 200) throw new Error(`GET ${url}/login answered ${page.status}`);
    const weight = clientWeight(distDir, ["/login"], { "/login": page.body }).routes[0]!;
    return { gzipBytes: weight.gzipBytes, rawBytes: weight.rawBytes, files: weight.files.length, htmlCheck: weight.htmlCheck };
  };
  const ours = await weigh(ctx.appBuild.distDir, app.url);
  const theirs = await weigh(path.join(build.dir, ".next"), server.url);
  const ratio = theirs.gzipBytes / ours.gzipBytes;
  return {
    id: `${peer.id}e`,
    scenario: `Sign-in page's first-load JS (gzip): ${peer.name} ÷ this app`,
    figure: `${ratioText(ratio)}: app ${kB(ours.gzipBytes)} vs peer ${kB(theirs.gzipBytes)}`,
    target: `≥ ${TARGETS.peer.toFixed(2)}`,
    status: status(ratio >= TARGETS.peer),
    details: { ratio: round(ratio, 3), app: ours, peer: theirs },
    note: "This app's /login against the sign-in page the peer's docs show (a server-action form for Auth.js, its client's signIn.social() for Better Auth).",
  };
}

export interface Memory {
  rssBytes: number;
  heapUsedAfterGc: number;
  /** What that heap is made of, from a snapshot taken after the collections. */
  heap: HeapComposition;
}

/** RSS as the server stands, then its heap after full collections (which changes RSS: read first) and what it holds. */
export async function memoryOf(server: App): Promise<Memory> {
  const rssBytes = readRss(server.serverPid);
  const { heapUsed } = await heapAfterGc(server, { snapshot: true });
  return { rssBytes, heapUsedAfterGc: heapUsed, heap: readHeapSnapshot(heapSnapshotFile(server)) };
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** "code 21.6 vs 17.7, script source 17.8 vs 11.0, …" (MiB, ours first): where two heaps differ. */
function heapDifference(ours: HeapComposition, theirs: HeapComposition): string {
  const part = (label: string, key: keyof Omit<HeapComposition, "scriptSourceByOrigin" | "topObjects">) =>
    `${label} ${mb(ours[key])} vs ${mb(theirs[key])}`;
  return [
    part("code", "codeBytes"),
    part("script source", "scriptSourceBytes"),
    part("other strings", "stringBytes"),
    part("objects", "objectBytes"),
    part("the rest", "otherBytes"),
  ].join(", ");
}

/** p1d…: resident memory, the peer's over ours, after both have served the comparisons above. */
export function memoryRow(peer: Peer, ours: Memory, theirs: Memory): Row {
  const ratio = theirs.rssBytes / ours.rssBytes;
  return {
    id: `${peer.id}d`,
    scenario: `Resident memory after the comparisons: ${peer.name} ÷ this app`,
    figure: `${ratioText(ratio)}: RSS app ${mib(ours.rssBytes)} vs peer ${mib(theirs.rssBytes)}; heap after GC ${mib(ours.heapUsedAfterGc)} vs ${mib(theirs.heapUsedAfterGc)}`,
    target: `≥ ${TARGETS.peer.toFixed(2)}`,
    status: status(ratio >= TARGETS.peer),
    details: { ratio: round(ratio, 3), app: ours, peer: theirs },
    note:
      "Both servers warmed up and loaded by the same comparisons (the app by every peer's: it served more requests). " +
      `Heap after GC, app vs peer (MiB, from snapshots in bench/out/logs/): ${heapDifference(ours.heap, theirs.heap)}.`,
  };
}
