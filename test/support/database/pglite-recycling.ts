// Recycling in-memory PGlite test databases. Starting a PGlite costs ~1-2 s;
// emptying one costs a few ms. So close() puts the instance back, emptied,
// for the next createTestDatabase in this process, unless that could make it
// differ from a fresh one: the test changed the schema, or the migrations
// themselves insert rows (which emptying would remove). Session state
// (settings, temp tables, prepared statements, LISTEN, advisory locks) is
// reset with DISCARD ALL.
//
// An open PGlite re-arms a 10 s timer forever, which keeps a process (a
// vitest worker) alive; so idle instances are closed after a short while.
// Tests that create a database per test pick the idle one up within
// milliseconds; after the last test the worker is free to exit.
import type { PGlite } from "@electric-sql/pglite";
import { emptyUserTables, schemaFingerprint } from "./pglite-catalog";
import type { Template } from "./pglite";

const MAX_IDLE = 2;
const IDLE_CLOSE_MS = 1_000;
const idle = new Map<string, IdleList>();

class IdleList {
  private readonly items: { pglite: PGlite; timer: NodeJS.Timeout }[] = [];
  get length(): number {
    return this.items.length;
  }
  push(pglite: PGlite): void {
    const item = {
      pglite,
      timer: setTimeout(() => {
        const i = this.items.indexOf(item);
        if (i >= 0) this.items.splice(i, 1);
        void pglite.close().catch(() => {});
      }, IDLE_CLOSE_MS),
    };
    item.timer.unref();
    this.items.push(item);
  }
  pop(): PGlite | undefined {
    const item = this.items.pop();
    if (item) clearTimeout(item.timer);
    return item?.pglite;
  }
}

function idleFor(id: string): IdleList {
  let list = idle.get(id);
  if (!list) idle.set(id, (list = new IdleList()));
  return list;
}

/** An idle instance started from `templateId`'s snapshot, if there is one. */
export function takeIdle(templateId: string): PGlite | undefined {
  return idle.get(templateId)?.pop();
}

export function addIdle(templateId: string, pglite: PGlite): void {
  idleFor(templateId).push(pglite);
}

/** close(): back to the idle list, emptied, when it is as good as new; closed otherwise. */
export async function recycleOrClose(pglite: PGlite, template: Template): Promise<void> {
  const list = idleFor(template.id);
  try {
    if (!template.hasData && list.length < MAX_IDLE && !pglite.closed && !pglite.isInTransaction()) {
      await pglite.exec("DISCARD ALL");
      if ((await schemaFingerprint(pglite)) === template.fingerprint) {
        await emptyUserTables(pglite);
        list.push(pglite);
        return;
      }
    }
  } catch {
    // Anything odd: don't reuse it.
  }
  if (!pglite.closed) await pglite.close();
}
