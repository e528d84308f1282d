import NextAuth from "next-auth";

import { authConfig } from "./auth.config";

// Auth.js's own shape: JWT sessions (the default), nothing stored.
export const { handlers, auth, signIn } = NextAuth(authConfig);
