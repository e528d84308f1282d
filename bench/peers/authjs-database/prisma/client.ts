import { PrismaPg } from "@prisma/adapter-pg";

import { PrismaClient } from "./generated/client";

// Prisma 7 talks to PostgreSQL through a driver adapter; one client per server process.
export const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL }) });
