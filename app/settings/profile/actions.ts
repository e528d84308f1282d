"use server";

import { revalidatePath } from "next/cache";

import { requireUser } from "@/lib/dal";
import { db } from "@/lib/services";
import { parseDisplayName } from "@/lib/display-name";
import { forgetAllSessions } from "@/lib/session/cache";

export type ProfileFormState = { status: "idle" } | { status: "saved"; name: string } | { status: "error"; message: string };

/**
 * Server actions are public HTTP endpoints: anyone can replay one with any body, so this checks
 * the session and validates the input itself, whatever the page around the form did.
 */
export async function updateDisplayName(_previous: ProfileFormState, formData: FormData): Promise<ProfileFormState> {
  const user = await requireUser("/settings/profile");
  const parsed = parseDisplayName(formData.get("name"));
  if (!parsed.ok) return { status: "error", message: parsed.error };
  await db.user.update({ where: { id: user.id }, data: { name: parsed.value } });
  // Session checks carry the name (lib/session/cache.ts): this instance sees it on the next request.
  forgetAllSessions();
  // The name shows in the header on every page.
  revalidatePath("/", "layout");
  return { status: "saved", name: parsed.value };
}
