"use server";

import { revalidatePath } from "next/cache";

import { requireUser } from "@/lib/dal";
import { db } from "@/lib/services";
import { revokeOtherSessions, revokeOwnSession } from "@/lib/session/registry";

const PATH = "/settings/sessions";
const MAX_SESSION_ID_LENGTH = 128;

/**
 * Server actions are public HTTP endpoints: whatever the page showed, each one checks the session
 * itself and revokes only sessions of the signed-in user (the owner is part of the database
 * condition, so an id of someone else's session matches nothing).
 */

/** "Sign out" next to one session. */
export async function signOutSession(formData: FormData): Promise<void> {
  const user = await requireUser(PATH);
  const sessionId = formData.get("sessionId");
  if (typeof sessionId !== "string" || sessionId.length === 0 || sessionId.length > MAX_SESSION_ID_LENGTH) return;
  await revokeOwnSession(db, user.id, sessionId, new Date());
  revalidatePath(PATH);
}

/** "Sign out everywhere else": every session of this person but the one making the request. */
export async function signOutEverywhereElse(): Promise<void> {
  const user = await requireUser(PATH);
  await revokeOtherSessions(db, user.id, user.sessionId, new Date());
  revalidatePath(PATH);
}
