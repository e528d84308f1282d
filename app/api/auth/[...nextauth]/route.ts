import { authRoute, handlers } from "@/lib/auth/next-auth";

// Auth.js's endpoints: /api/auth/callback/<provider> (code exchange, profile, user upsert,
// session record and cookie), /api/auth/session, /api/auth/csrf, /api/auth/signin, /api/auth/signout,
// behind the app's request limits and error handling (lib/auth/next-auth.ts authRoute).
export const GET = authRoute(handlers.GET);
export const POST = authRoute(handlers.POST);
