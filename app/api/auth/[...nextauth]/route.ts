import { appRateLimitDeps } from "@/lib/app-rate-limits";
import { handlers, onFailedSignIn } from "@/lib/auth";
import { withSignInErrorCodes } from "@/lib/auth-errors";
import { withAuthRateLimits } from "@/lib/auth-rate-limits";
import { guardAuthRequests } from "@/lib/auth-request-guards";
import { withCurrentRequest } from "@/lib/request-info";

// Auth.js's endpoints: /api/auth/callback/<provider> (code exchange, profile, user upsert,
// session record and cookie), /api/auth/session, /api/auth/csrf, /api/auth/signin, /api/auth/signout.
// The request is kept for Auth.js's callbacks (the session record notes the client's IP and
// User-Agent), and failed sign-ins are recorded as sign-in activity. Sign-in starts and callbacks
// over their rate limit (lib/auth-rate-limits.ts) are answered 429 before Auth.js does any work.
export const GET = withAuthRateLimits(guardAuthRequests(withCurrentRequest(withSignInErrorCodes(handlers.GET, { onFailure: onFailedSignIn }))), appRateLimitDeps);
export const POST = withAuthRateLimits(guardAuthRequests(withCurrentRequest(withSignInErrorCodes(handlers.POST, { onFailure: onFailedSignIn }))), appRateLimitDeps);
