// Child process for pglite-lock.test.ts: opens a PGlite folder through our
// registry (so it takes the lock) and holds it until told otherwise.
//
//   node --import tsx hold-pglite-folder.ts <dataDir> [hold|write|exit]
//
//   hold   open, print "ready", wait for "release" on stdin, release, print "released"
//   write  like hold, after committing a row to table `t`
//   exit   open, print "ready", then process.exit(0) without releasing
//
// Errors go to stderr as "<ErrorName>: <message>" with exit code 3.
import { acquirePGlite } from "../../lib/db/pglite/instances";

const [dataDir, mode = "hold"] = process.argv.slice(2);

async function main(): Promise<void> {
  if (!dataDir) throw new Error("usage: hold-pglite-folder.ts <dataDir> [hold|write|exit]");
  const handle = await acquirePGlite(dataDir);
  if (mode === "write") {
    await handle.pglite.exec(`CREATE TABLE IF NOT EXISTS t (x text); INSERT INTO t VALUES ('from-child-${process.pid}')`);
  } else {
    await handle.pglite.query("SELECT 1");
  }
  process.stdout.write(`ready ${process.pid}\n`);
  if (mode === "exit") process.exit(0);
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk: string) => {
    if (!chunk.includes("release")) return;
    void handle.release().then(() => {
      process.stdout.write("released\n");
      process.exit(0);
    });
  });
}

main().catch((error: unknown) => {
  const e = error instanceof Error ? error : new Error(String(error));
  process.stderr.write(`${e.name}: ${e.message}\n`);
  process.exit(3);
});
