/**
 * Test support (not a test): one "app instance" for the cross-process race in
 * provider-token-refresh.test.ts. It opens its own connection to the shared database, warms up
 * (connection, discovery), prints "ready", waits for "go" on stdin, then asks for the same
 * person's access token CALLS times at once and prints one JSON line with what it got.
 *
 *   node --conditions=react-server --import tsx test/support/refresh-race-child.ts
 *
 * (`react-server` turns the app modules' `server-only` guard into a no-op, as in the Next server.)
 */
import { createPrismaClient } from "@/lib/db/client";
import { parseDatabaseUrl } from "@/lib/db/database-url";
import { createProviderClient } from "@/lib/providers/client";
import { profileFromOidcClaims } from "@/lib/providers/profile";
import { createProviderTokenService } from "@/lib/providers/tokens/refresh";
import { createTokenKeyring } from "@/lib/encryption/keyring";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const db = createPrismaClient(parseDatabaseUrl(required("RACE_DATABASE_URL")));
let refreshRequests = 0;
const countingFetch: typeof fetch = (input, init) => {
  if (init?.method === "POST" && String(init.body).includes("grant_type=refresh_token")) refreshRequests += 1;
  return fetch(input, { ...init, signal: AbortSignal.timeout(5_000) });
};
const client = createProviderClient(
  {
    id: "dev-idp",
    name: "Dev IdP",
    profile: profileFromOidcClaims,
    issuer: required("RACE_ISSUER"),
    clientId: required("RACE_CLIENT_ID"),
    clientSecret: required("RACE_CLIENT_SECRET"),
  },
  countingFetch,
);
const secret = required("RACE_TOKEN_SECRET");
const service = createProviderTokenService({ db, keyring: () => createTokenKeyring([secret]), client: () => client });

await db.$queryRaw`SELECT 1`;
await client.endpoints();
process.stdout.write("ready\n");
await new Promise<void>((resolve) => process.stdin.once("data", () => resolve()));

const calls = Number(process.env.RACE_CALLS ?? "5");
const results = await Promise.allSettled(Array.from({ length: calls }, () => service.getAccessToken(required("RACE_USER_ID"), "dev-idp")));
process.stdout.write(
  `${JSON.stringify({
    refreshRequests,
    values: results.map((r) => (r.status === "fulfilled" ? r.value.value : null)),
    errors: results.flatMap((r) => (r.status === "rejected" ? [String((r.reason as Error)?.name)] : [])),
  })}\n`,
);
await db.$disconnect();
process.exit(0);
