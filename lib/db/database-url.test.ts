import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_POOL_MAX, DatabaseUrlError, describeDatabaseTarget, parseDatabaseUrl, redactDatabaseUrl } from "./database-url";

const root = "/srv/app";
const parse = (url: string | undefined, env: Record<string, string | undefined> = {}) => parseDatabaseUrl(url, { projectRoot: root, env });

describe("parseDatabaseUrl", () => {
  it("defaults to embedded PGlite in .data/pglite under the project root", () => {
    expect(parse(undefined)).toEqual({ kind: "pglite", dataDir: "/srv/app/.data/pglite" });
    expect(parse("")).toEqual({ kind: "pglite", dataDir: "/srv/app/.data/pglite" });
    expect(parse("   ")).toEqual({ kind: "pglite", dataDir: "/srv/app/.data/pglite" });
  });

  it("uses process.cwd() as the project root by default", () => {
    expect(parseDatabaseUrl(undefined, { env: {} })).toEqual({
      kind: "pglite",
      dataDir: path.join(process.cwd(), ".data/pglite"),
    });
  });

  it("accepts pglite:<relative path> and pglite:<absolute path>", () => {
    expect(parse("pglite:.data/other")).toEqual({ kind: "pglite", dataDir: "/srv/app/.data/other" });
    expect(parse("pglite:./db")).toEqual({ kind: "pglite", dataDir: "/srv/app/db" });
    expect(parse("pglite:/var/lib/app-db")).toEqual({ kind: "pglite", dataDir: "/var/lib/app-db" });
    expect(parse("PGLITE:db")).toEqual({ kind: "pglite", dataDir: "/srv/app/db" });
  });

  it("accepts pglite:memory", () => {
    expect(parse("pglite:memory")).toEqual({ kind: "pglite-memory" });
    expect(parse("pglite:memory://")).toEqual({ kind: "pglite-memory" });
  });

  it("rejects pglite: without a path", () => {
    expect(() => parse("pglite:")).toThrow(DatabaseUrlError);
    expect(() => parse("pglite:")).toThrow(/DATABASE_URL="pglite:" needs a folder/);
  });

  it("accepts postgres:// and postgresql:// with a small default pool and a connect timeout", () => {
    const a = parse("postgres://u:p@db.example.com:5432/app");
    expect(a).toMatchObject({
      kind: "postgres",
      url: "postgres://u:p@db.example.com:5432/app",
      schema: undefined,
      poolMax: DEFAULT_POOL_MAX,
    });
    expect(DEFAULT_POOL_MAX).toBeLessThanOrEqual(10);
    expect(a.kind === "postgres" && a.connectTimeoutMs).toBeGreaterThan(0);
    expect(parse("postgresql://db/app")).toMatchObject({ kind: "postgres", url: "postgresql://db/app" });
  });

  it("takes the pool size from DATABASE_POOL_MAX and rejects nonsense", () => {
    expect(parse("postgres://db/app", { DATABASE_POOL_MAX: "12" })).toMatchObject({ poolMax: 12 });
    expect(() => parse("postgres://db/app", { DATABASE_POOL_MAX: "0" })).toThrow(/DATABASE_POOL_MAX/);
    expect(() => parse("postgres://db/app", { DATABASE_POOL_MAX: "many" })).toThrow(/DATABASE_POOL_MAX/);
  });

  it("moves Prisma's ?schema= out of the URL into its own field", () => {
    expect(parse("postgres://db/app?schema=auth&sslmode=require")).toMatchObject({
      url: "postgres://db/app?sslmode=require",
      schema: "auth",
    });
  });

  it("rejects anything else, naming DATABASE_URL and the accepted forms, without the password", () => {
    for (const bad of ["mysql://root:hunter2@db/app", "file:./dev.db", "./data", "postgres://:5432", "memory"]) {
      let error: unknown;
      try {
        parse(bad);
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(DatabaseUrlError);
      const message = (error as Error).message;
      expect(message).toContain("DATABASE_URL");
      expect(message).toContain("pglite:<path>");
      expect(message).toContain("pglite:memory");
      expect(message).toContain("postgres://");
      expect(message).not.toContain("hunter2");
    }
  });

  it("names the variable it was given", () => {
    expect(() => parseDatabaseUrl("nope", { variableName: "TEST_DATABASE_URL" })).toThrow(/^TEST_DATABASE_URL /);
  });
});

describe("redactDatabaseUrl", () => {
  it("hides the password and keeps the rest", () => {
    expect(redactDatabaseUrl("postgres://app:s3cret@db:5432/app")).toBe("postgres://app:***@db:5432/app");
    expect(redactDatabaseUrl("postgresql://app:p%40ss%2Fword@db/app?sslmode=require")).toBe("postgresql://app:***@db/app?sslmode=require");
  });

  it("leaves URLs without a password alone", () => {
    expect(redactDatabaseUrl("postgres://app@db/app")).toBe("postgres://app@db/app");
    expect(redactDatabaseUrl("postgres://db/app")).toBe("postgres://db/app");
    expect(redactDatabaseUrl("pglite:.data/pglite")).toBe("pglite:.data/pglite");
  });

  it("redacts malformed URLs and password= parameters too", () => {
    // An unencoded '@' or '/' in the password makes the URL unparseable.
    expect(redactDatabaseUrl("postgres://app:pa@ss/wd@db:5432/app")).toBe("postgres://app:***@db:5432/app");
    expect(redactDatabaseUrl("postgres://db/app?user=app&password=s3cret")).toBe("postgres://db/app?user=app&password=***");
  });

  it("is what describeDatabaseTarget uses", () => {
    const target = parse("postgres://app:s3cret@db/app?schema=auth");
    expect(describeDatabaseTarget(target)).toBe("PostgreSQL at postgres://app:***@db/app (schema auth)");
    expect(describeDatabaseTarget(parse(undefined))).toBe("PGlite at /srv/app/.data/pglite");
    expect(describeDatabaseTarget(parse("pglite:memory"))).toBe("in-memory PGlite");
  });
});
