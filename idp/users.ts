/**
 * The Dev IdP's fixed test users. Passwords are public on purpose: this provider only
 * exists for local development and automated tests.
 */
import { createHash, timingSafeEqual } from "node:crypto";

export interface DevUser {
  /** Stable, opaque subject identifier (never the email). */
  sub: string;
  email: string;
  password: string;
  name: string;
  givenName: string;
  familyName: string;
  emailVerified: boolean;
  /** File name of the generated avatar served at `${issuer}/avatars/<avatar>`. */
  avatar: string;
  /** Avatar background colour. */
  color: string;
}

export const DEV_USERS: readonly DevUser[] = Object.freeze([
  {
    sub: "dev-alice-5f0c2a91",
    email: "alice@example.com",
    password: "alice-password",
    name: "Alice Example",
    givenName: "Alice",
    familyName: "Example",
    emailVerified: true,
    avatar: "alice.svg",
    color: "#1d4ed8",
  },
  {
    sub: "dev-bob-8d3e7b14",
    email: "bob@example.com",
    password: "bob-password",
    name: "Bob Example",
    givenName: "Bob",
    familyName: "Example",
    emailVerified: true,
    avatar: "bob.svg",
    color: "#047857",
  },
  {
    sub: "dev-eve-c41a9e67",
    email: "eve@example.com",
    password: "eve-password",
    name: "Eve Example",
    givenName: "Eve",
    familyName: "Example",
    emailVerified: false,
    avatar: "eve.svg",
    color: "#b91c1c",
  },
]);

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/** Constant-time string comparison (hashing first makes the lengths equal). */
export function constantTimeEquals(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * Returns the user whose email and password match, or undefined. Every user's email
 * and password are compared in constant time, whether or not an earlier one matched.
 */
export function verifyCredentials(email: string, password: string, users: readonly DevUser[] = DEV_USERS): DevUser | undefined {
  const normalizedEmail = email.trim().toLowerCase();
  let found: DevUser | undefined;
  for (const user of users) {
    const emailOk = constantTimeEquals(user.email, normalizedEmail);
    const passwordOk = constantTimeEquals(user.password, password);
    if (emailOk && passwordOk && found === undefined) found = user;
  }
  return found;
}

export function findUserBySub(sub: string, users: readonly DevUser[] = DEV_USERS): DevUser | undefined {
  return users.find((user) => user.sub === sub);
}

export function findUserByAvatar(file: string, users: readonly DevUser[] = DEV_USERS): DevUser | undefined {
  return users.find((user) => user.avatar === file);
}

/** What the avatar route serves (`/avatars/<letters>.svg`). */
const AVATAR_FILE = /^[a-z]+\.svg$/;

/**
 * The built-in users plus `extra` ones (load tests need many distinct people). Refuses an extra
 * user who would be ambiguous: a sub, email or avatar already taken, an email that is not
 * already in the lower-case form sign-in compares against, or an avatar the avatar route cannot serve.
 */
export function withExtraUsers(extra: readonly DevUser[]): readonly DevUser[] {
  if (extra.length === 0) return DEV_USERS;
  const subs = new Set(DEV_USERS.map((u) => u.sub));
  const emails = new Set(DEV_USERS.map((u) => u.email));
  const avatars = new Set(DEV_USERS.map((u) => u.avatar));
  for (const user of extra) {
    if (!user.sub || subs.has(user.sub)) throw new TypeError(`extraUsers: sub "${user.sub}" is empty or taken`);
    if (!user.email || user.email !== user.email.trim().toLowerCase() || emails.has(user.email)) {
      throw new TypeError(`extraUsers: email "${user.email}" is not lower-case or is taken`);
    }
    if (!AVATAR_FILE.test(user.avatar) || avatars.has(user.avatar))
      throw new TypeError(`extraUsers: avatar "${user.avatar}" is not <letters>.svg or is taken`);
    if (!user.password) throw new TypeError(`extraUsers: ${user.email} has no password`);
    subs.add(user.sub);
    emails.add(user.email);
    avatars.add(user.avatar);
  }
  return Object.freeze([...DEV_USERS, ...extra.map((u) => Object.freeze({ ...u }))]);
}

export function avatarUrl(issuer: string, user: DevUser): string {
  return `${issuer}/avatars/${user.avatar}`;
}

/** OIDC standard claims for a user (the provider filters them by granted scope). */
export function userClaims(issuer: string, user: DevUser) {
  return {
    sub: user.sub,
    email: user.email,
    email_verified: user.emailVerified,
    name: user.name,
    given_name: user.givenName,
    family_name: user.familyName,
    picture: avatarUrl(issuer, user),
  };
}

/** A small SVG avatar with the user's initials. */
export function avatarSvg(user: DevUser): string {
  const initials = `${user.givenName.charAt(0)}${user.familyName.charAt(0)}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96" role="img" aria-label="${user.name}">
<rect width="96" height="96" rx="48" fill="${user.color}"/>
<text x="48" y="50" fill="#ffffff" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="38" font-weight="600" text-anchor="middle" dominant-baseline="middle">${initials}</text>
</svg>
`;
}
