import { handlers, onFailedSignIn } from "@/lib/auth";
import { withSignInErrorCodes } from "@/lib/auth-errors";
import { withCurrentRequest } from "@/lib/request-info";

// Auth.js's endpoints: /api/auth/callback/<provider> (code exchange, profile, user upsert,
// session record and cookie), /api/auth/session, /api/auth/csrf, /api/auth/signin, /api/auth/signout.
// The request is kept for Auth.js's callbacks (the session record notes the client's IP and
// User-Agent), and failed sign-ins are recorded as sign-in activity.
export const GET = withCurrentRequest(withSignInErrorCodes(handlers.GET, { onFailure: onFailedSignIn }));
export const POST = withCurrentRequest(withSignInErrorCodes(handlers.POST, { onFailure: onFailedSignIn }));
