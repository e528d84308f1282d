import { MAX_NAME_LENGTH } from "@/lib/display-name";

/**
 * Turns what a provider says about a person (OIDC claims, GitHub's user object) into the fields
 * we store on User. Providers are outside our trust boundary: every field is checked and bounded
 * here so the database and the pages only ever see plain, sane values.
 */

export interface StoredProfile {
  /** The provider's stable subject identifier; becomes Account.providerAccountId. */
  id: string;
  name: string | null;
  email: string | null;
  image: string | null;
}

export class ProfileError extends Error {
  override name = "ProfileError";
}

const MAX_EMAIL_LENGTH = 254; // RFC 5321 path limit
const MAX_IMAGE_URL_LENGTH = 2048;

function text(value: unknown): string | null {
  if (typeof value !== "string") return null;
  // Collapse whitespace (including newlines a provider might let through) into single spaces.
  const cleaned = value.replace(/[\s\u0000-\u001f\u007f]+/g, " ").trim();
  return cleaned.length > 0 ? cleaned : null;
}

export function normalizeName(value: unknown): string | null {
  const name = text(value);
  return name ? Array.from(name).slice(0, MAX_NAME_LENGTH).join("") : null;
}

export function normalizeEmail(value: unknown): string | null {
  const email = text(value)?.toLowerCase() ?? null;
  if (!email || email.length > MAX_EMAIL_LENGTH) return null;
  // Deliberately loose: the provider owns address validity; we only refuse what is not an address.
  return /^[^\s@]+@[^\s@]+$/.test(email) ? email : null;
}

/** Only http(s) URLs become `<img src>`: no `javascript:`, `data:` or relative tricks. */
export function normalizeImageUrl(value: unknown): string | null {
  if (typeof value !== "string" || value.length > MAX_IMAGE_URL_LENGTH) return null;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

function subject(value: unknown): string {
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  if (typeof value === "string" && value.length > 0 && value.length <= 255) return value;
  throw new ProfileError("The provider's profile has no usable subject identifier.");
}

/**
 * Whether `email_verified` says yes. OIDC Core §5.1 makes it a JSON boolean; some providers send
 * the string "true" (Apple, Cognito), and those mean yes too. `"false"` is a non-empty string and
 * must not read as true; anything else (missing, null, 1, "yes") is not a yes either.
 */
export function claimsVerifiedEmail(value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  return value === true || value === "true";
}

/**
 * OpenID Connect standard claims (OIDC Core §5.1), from the ID token or the userinfo endpoint.
 *
 * Only an address the provider says it verified is stored: anyone can type someone else's address
 * at a provider that does not check, and User.email is unique, so keeping it would let them squat
 * the real owner's address or be mistaken for them later. A provider that never sends
 * `email_verified` (Microsoft Entra ID) gets its addresses trusted only when the operator says so
 * (`trustEmail`, AUTH_OIDC_TRUST_EMAIL); an explicit "no" is never overridden.
 */
export function profileFromOidcClaims(claims: Record<string, unknown>, options: { trustEmail?: boolean } = {}): StoredProfile {
  const given = text(claims.given_name);
  const family = text(claims.family_name);
  return {
    id: subject(claims.sub),
    name:
      normalizeName(claims.name) ??
      normalizeName([given, family].filter(Boolean).join(" ")) ??
      normalizeName(claims.preferred_username) ??
      normalizeName(claims.nickname),
    email: (claimsVerifiedEmail(claims.email_verified) ?? options.trustEmail === true) ? normalizeEmail(claims.email) : null,
    image: normalizeImageUrl(claims.picture),
  };
}

/** GitHub's REST `/user` object, its `email` replaced by the verified address (lib/providers/definitions/github.ts). */
export function profileFromGitHubUser(user: Record<string, unknown>): StoredProfile {
  return {
    id: subject(user.id),
    name: normalizeName(user.name) ?? normalizeName(user.login),
    email: normalizeEmail(user.email),
    image: normalizeImageUrl(user.avatar_url),
  };
}
