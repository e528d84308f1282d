import { handlers } from "@/lib/auth";
import { withSignInErrorCodes } from "@/lib/auth-errors";

// Auth.js's endpoints: /api/auth/callback/<provider> (code exchange, profile, user upsert,
// session cookie), /api/auth/session, /api/auth/csrf, /api/auth/signin, /api/auth/signout.
export const GET = withSignInErrorCodes(handlers.GET);
export const POST = withSignInErrorCodes(handlers.POST);
