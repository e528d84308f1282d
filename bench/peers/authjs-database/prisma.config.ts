import { defineConfig } from "prisma/config";

// `prisma generate` only (the bench creates the tables from prisma/schema.sql).
export default defineConfig({ schema: "prisma/schema.prisma" });
