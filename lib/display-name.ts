/** The display-name rule shared by the form (as a hint) and the server action (as the law). */

/** Also the bound on names that come from providers (lib/providers/profile.ts). */
export const MAX_NAME_LENGTH = 80;

export type DisplayNameResult = { ok: true; value: string } | { ok: false; error: string };

export function parseDisplayName(input: unknown): DisplayNameResult {
  if (typeof input !== "string") return { ok: false, error: "Enter a display name." };
  const value = input.trim();
  if (value.length === 0) return { ok: false, error: "Enter a display name." };
  // Count characters as people see them (code points), not UTF-16 units.
  if (Array.from(value).length > MAX_NAME_LENGTH) {
    return { ok: false, error: `Use at most ${MAX_NAME_LENGTH} characters.` };
  }
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value)) {
    return { ok: false, error: "Use letters, numbers, spaces and punctuation only." };
  }
  return { ok: true, value };
}
