import { verifySession } from "@/lib/dal";
import { isDatabaseUnavailable } from "@/lib/db/availability";
import type { CurrentUser } from "@/lib/session/authenticate";

/**
 * Who the site header shows: the signed-in user, null, or "unknown" while the database cannot be
 * reached (the page itself says so). Its own module so that a build of the bench can show its
 * fixed person on its public twin of /dashboard through its tsconfig (bench/lib/variants.ts).
 */
export async function headerUser(): Promise<CurrentUser | null | "unknown"> {
  try {
    return await verifySession();
  } catch (error) {
    if (isDatabaseUnavailable(error)) return "unknown";
    throw error;
  }
}
