import "server-only";

import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";

import { auth } from "@/lib/auth";
import { db } from "@/lib/db";
import { loginPath } from "@/lib/safe-redirect";
import { hasSessionCookie } from "@/lib/session-cookie";

/**
 * The data-access layer: the one place that decides who is signed in.
 *
 * The proxy is only a first, optimistic gate (a matcher mistake or a framework bug such as
 * CVE-2025-29927 can skip it), so every protected page, server action and route handler calls
 * `verifySession()` / `requireUser()` itself. The check is cached per request by React, so a page
 * and its layout share one cookie decrypt and one database read.
 */

export interface CurrentUser {
  id: string;
  name: string | null;
  email: string | null;
  image: string | null;
  /** The provider this session signed in with. */
  provider: string | undefined;
}

export const verifySession = cache(async (): Promise<CurrentUser | null> => {
  const session = await auth();
  const id = session?.user?.id;
  if (!id) return null;
  // The cookie proves who signed in; the row proves they still exist (a deleted user is signed out).
  const user = await db.user.findUnique({
    where: { id },
    select: { id: true, name: true, email: true, image: true },
  });
  return user ? { ...user, provider: session.provider } : null;
});

/**
 * For pages and server actions: the signed-in user, or a redirect to /login that comes back to
 * `returnTo` afterwards.
 */
export async function requireUser(returnTo?: string): Promise<CurrentUser> {
  const user = await verifySession();
  if (user) return user;
  const cookieNames = (await cookies()).getAll().map((c) => c.name);
  redirect(loginPath(returnTo, hasSessionCookie(cookieNames) ? "session_expired" : undefined));
}
