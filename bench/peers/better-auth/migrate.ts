// Creates Better Auth's tables in DATABASE_URL (its documented programmatic migration).
import { getMigrations } from "better-auth/db/migration";

import { auth } from "./auth";

const { runMigrations } = await getMigrations(auth.options);
await runMigrations();
process.exit(0);
