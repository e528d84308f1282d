// `npm run db:generate` and `postinstall`: generate the Prisma client into
// prisma/generated/ (git-ignored) from prisma/schema.prisma.
//
// `prisma generate` itself works offline, but Prisma's CLI first makes sure a
// native schema-engine binary is present and tries to download one from
// outside the npm registry, which fails here. Generating never runs that
// engine (our migrations use the WASM engine, see lib/db/migrations.ts), so
// we point PRISMA_SCHEMA_ENGINE_BINARY at an existing, harmless file unless
// the caller set it to a real engine.
//
// Quiet on success (one line); on failure, Prisma's own output and exit code.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

const root = process.cwd();
const requireFromRoot = createRequire(path.join(root, "package.json"));

function main(): number {
  let prismaCli: string;
  let placeholderEngine: string;
  try {
    prismaCli = requireFromRoot.resolve("prisma/build/index.js");
    // Any existing file will do; this one is a WASM module, not an executable,
    // so even a CLI command that did try to run it would fail loudly instead
    // of doing something unexpected.
    placeholderEngine = path.join(
      path.dirname(requireFromRoot.resolve("@prisma/schema-engine-wasm/schema_engine_bg")),
      "schema_engine_bg.wasm",
    );
  } catch (error) {
    console.error(`db:generate: Prisma is not installed (${(error as Error).message}). Run npm install.`);
    return 1;
  }

  const started = Date.now();
  const result = spawnSync(process.execPath, [prismaCli, "generate"], {
    cwd: root,
    encoding: "utf8",
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || placeholderEngine,
      // No update check or telemetry: both would wait on the network.
      CHECKPOINT_DISABLE: "1",
      PRISMA_HIDE_UPDATE_MESSAGE: "1",
    },
  });

  if (result.error) {
    console.error(`db:generate: could not run prisma generate: ${result.error.message}`);
    return 1;
  }
  if (result.status !== 0) {
    process.stderr.write(result.stdout ?? "");
    process.stderr.write(result.stderr ?? "");
    console.error(`db:generate: prisma generate failed (exit ${result.status ?? result.signal}). Check prisma/schema.prisma.`);
    return result.status ?? 1;
  }
  console.log(`db:generate: Prisma client generated in prisma/generated (${Date.now() - started} ms)`);
  return 0;
}

process.exitCode = main();
