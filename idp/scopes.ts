/** The scopes the Dev IdP offers and the claims each one releases (Google's, minus the rest). */
export const CLAIMS = {
  openid: ["sub"],
  email: ["email", "email_verified"],
  profile: ["name", "given_name", "family_name", "picture"],
} as const;

export const SCOPES = ["openid", "email", "profile", "offline_access"] as const;

export const KNOWN_SCOPES: ReadonlySet<string> = new Set(SCOPES);
