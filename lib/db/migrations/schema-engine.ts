// Prisma's schema engine, the WASM build: loaded by hand (Node 20 cannot
// import .wasm modules), and run over a driver adapter with every connection
// it opens disposed afterwards.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import type { SchemaEngine, SchemaFilter } from "@prisma/schema-engine-wasm/schema_engine_bg";
import { MigrationError, toMigrationError } from "./errors";
import type { MigrationPaths } from "./folder";

/** No external tables or enums: the engine manages every table in the schema. */
export const NO_FILTER: SchemaFilter = { externalTables: [], externalEnums: [] };

type SchemaEngineModule = typeof import("@prisma/schema-engine-wasm/schema_engine_bg");
let engineModule: Promise<SchemaEngineModule> | undefined;
let lastEnginePanic: string | undefined;

/**
 * Runs `fn` with a schema engine over `factory`, then frees the engine and
 * disposes every connection it opened: the engine has no "stop" that would
 * dispose adapters, and an undisposed PGlite handle keeps the data folder
 * (and its lock) open.
 */
export async function withSchemaEngine<T>(
  factory: SqlMigrationAwareDriverAdapterFactory,
  paths: Required<MigrationPaths>,
  fn: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  const { SchemaEngine } = await loadSchemaEngineModule();
  const opened: SqlDriverAdapter[] = [];
  const tracking: SqlMigrationAwareDriverAdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect() {
      const adapter = await factory.connect();
      opened.push(adapter);
      return adapter;
    },
    async connectToShadowDb() {
      const adapter = await factory.connectToShadowDb();
      opened.push(adapter);
      return adapter;
    },
  };
  const schema = await fs.promises.readFile(paths.schemaPath, "utf8");
  let engine: SchemaEngine | undefined;
  try {
    engine = await SchemaEngine.new({ datamodels: [[paths.schemaPath, schema]] }, engineLog, bindMigrationAwareSqlAdapterFactory(tracking));
    return await fn(engine);
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError) {
      // A Rust panic: this WASM instance must not be used again.
      engineModule = undefined;
      engine = undefined;
      throw new MigrationError(`The schema engine crashed: ${lastEnginePanic ?? error.message}`, undefined, {
        cause: error,
      });
    }
    throw toMigrationError(error);
  } finally {
    engine?.free();
    for (const adapter of opened) {
      // Some adapters (pg pools) throw when disposed twice; the engine may
      // already have disposed a shadow database itself.
      await adapter.dispose().catch(() => {});
    }
  }
}

function engineLog(line: string): void {
  if (/\b(prisma|db)\b|\*/.test(process.env.DEBUG ?? "")) console.error(`[schema-engine] ${line}`);
}

/**
 * The package's entry point does `import * as wasm from "./x.wasm"` (ES
 * module integration for WASM), which Node 20 does not support without a
 * flag. So we do what that entry point does by hand: instantiate the .wasm
 * with the JS glue module as its imports, then hand it to the glue.
 */
function loadSchemaEngineModule(): Promise<SchemaEngineModule> {
  engineModule ??= (async () => {
    // The engine reports Rust panics through this global (Prisma Client sets
    // its own when loaded; keep that one).
    const g = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(message: string): void } };
    g.PRISMA_WASM_PANIC_REGISTRY ??= {
      set_message(message: string) {
        lastEnginePanic = message;
      },
    };
    const glue = await import("@prisma/schema-engine-wasm/schema_engine_bg");
    const gluePath = createRequire(path.join(process.cwd(), "package.json")).resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const bytes = await fs.promises.readFile(path.join(path.dirname(gluePath), "schema_engine_bg.wasm"));
    const { instance } = await WebAssembly.instantiate(bytes, {
      "./schema_engine_bg.js": glue as unknown as WebAssembly.ModuleImports,
    });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return glue;
  })();
  engineModule.catch(() => {
    engineModule = undefined;
  });
  return engineModule;
}
