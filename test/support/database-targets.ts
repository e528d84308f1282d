// Which databases lib/db's integration tests run against: always in-memory
// PGlite (the default target, needs nothing installed), and also the
// PostgreSQL server in TEST_DATABASE_URL when it is set (CI).
import { testDatabaseTarget } from "./database";

export interface IntegrationTarget {
  name: string;
  /** Value for createTestDatabase({ url }). */
  url: string;
}

export function integrationTargets(): IntegrationTarget[] {
  const targets: IntegrationTarget[] = [{ name: "in-memory PGlite", url: "pglite:memory" }];
  const server = process.env.TEST_DATABASE_URL;
  if (server && testDatabaseTarget(server).kind === "postgres") targets.push({ name: "PostgreSQL", url: server });
  return targets;
}

/** True when no PostgreSQL server is configured (tests say so with it.todo). */
export function postgresNotConfigured(): boolean {
  return !integrationTargets().some((t) => t.name === "PostgreSQL");
}

export const POSTGRES_TODO = "PostgreSQL: set TEST_DATABASE_URL=postgres://user:pass@host/db to run these against a server too";
