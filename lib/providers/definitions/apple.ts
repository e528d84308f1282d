import { createPrivateKey } from "node:crypto";

import { customFetch } from "@auth/core";
import type { OAuthConfig } from "@auth/core/providers";
import Apple from "@auth/core/providers/apple";
import { importPKCS8, SignJWT, type CryptoKey } from "jose";

import { value, type EnvSource, type Problems } from "@/lib/config/variables";
import { OIDC_CHECKS, providerFetch } from "@/lib/providers/authjs";
import { discoveryUrl } from "@/lib/providers/discovery";
import type { AppleSigningKey, ProviderConfig, ProviderDefinition } from "@/lib/providers/definition";
import { processSingleton } from "@/lib/process-singleton";
import { normalizeName, profileFromOidcClaims } from "@/lib/providers/profile";

/**
 * Sign in with Apple (OpenID Connect, with Apple's own rules):
 * - The client secret is a JWT the app signs itself with ES256, from its team id, key id and
 *   private key; Apple accepts one for up to 6 months. Ours live a day and are renewed an hour
 *   before they end, and are never logged.
 *   https://developer.apple.com/documentation/accountorganizationaldatasharing/creating-a-client-secret
 * - Asking for `name email` makes Apple answer with `response_mode=form_post`: the callback is a
 *   cross-site POST from appleid.apple.com, which carries no SameSite=Lax cookie; it is relayed to a
 *   same-site GET first (lib/auth/form-post-relay.ts).
 * - The person's name comes only on the first authorization, in the form's `user` field (Auth.js
 *   hands it over as `profile.user`); it is stored then and never asked for again.
 * - `email_verified` and `is_private_email` are strings; a private relay address is an address.
 * - No userinfo endpoint: the profile is the verified ID token. Revocation at /auth/revoke, with
 *   the client secret in the body.
 *   https://developer.apple.com/documentation/sign_in_with_apple/sign_in_with_apple_rest_api
 */

const ISSUER = "https://appleid.apple.com";
const SECRET_LIFETIME_SECONDS = 24 * 60 * 60;
const RENEW_BEFORE_SECONDS = 60 * 60;
const APPLE_ID = /^[A-Z0-9]{10}$/;

/** The .p8 file's PEM, as pasted into an environment variable (often with literal "\n"). */
function pem(raw: string): string {
  return raw.replace(/\\n/g, "\n").trim();
}

function readSigningKey(source: EnvSource, problems: Problems): AppleSigningKey | undefined {
  const teamId = value(source, "AUTH_APPLE_TEAM_ID");
  const keyId = value(source, "AUTH_APPLE_KEY_ID");
  const raw = value(source, "AUTH_APPLE_PRIVATE_KEY");
  if (!teamId || !APPLE_ID.test(teamId))
    problems.errors.push("AUTH_APPLE_TEAM_ID must be your Apple team id (10 letters and digits, top right of the developer account).");
  if (!keyId || !APPLE_ID.test(keyId))
    problems.errors.push("AUTH_APPLE_KEY_ID must be the id of the Sign in with Apple key (10 letters and digits).");
  let privateKey: string | undefined;
  try {
    const key = createPrivateKey(pem(raw ?? ""));
    if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") throw new Error("not P-256");
    privateKey = pem(raw!);
  } catch {
    // Never echo the value: it is a private key.
    problems.errors.push(
      "AUTH_APPLE_PRIVATE_KEY must be the PEM contents of the .p8 key file Apple issued (-----BEGIN PRIVATE KEY-----…, a P-256 key).",
    );
  }
  return teamId && keyId && privateKey && APPLE_ID.test(teamId) && APPLE_ID.test(keyId) ? { teamId, keyId, privateKey } : undefined;
}

interface Secret {
  value: string;
  expiresAt: number;
}

const secrets = processSingleton(
  "apple-client-secrets",
  () => new Map<string, { secret?: Secret; key?: Promise<CryptoKey>; renewing?: Promise<Secret> }>(),
);

/** A client secret valid for at least another hour, signed anew when the one held is older. */
export async function appleClientSecret(clientId: string, signing: AppleSigningKey, now = Date.now()): Promise<string> {
  const id = `${clientId}\0${signing.teamId}\0${signing.keyId}`;
  let entry = secrets.get(id);
  if (!entry) secrets.set(id, (entry = {}));
  if (entry.secret && entry.secret.expiresAt - now > RENEW_BEFORE_SECONDS * 1000) return entry.secret.value;
  entry.renewing ??= (async () => {
    entry.key ??= importPKCS8(signing.privateKey, "ES256");
    const issuedAt = Math.floor(now / 1000);
    const value = await new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: signing.keyId })
      .setIssuer(signing.teamId)
      .setSubject(clientId)
      .setAudience(ISSUER)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + SECRET_LIFETIME_SECONDS)
      .sign(await entry.key);
    return { value, expiresAt: (issuedAt + SECRET_LIFETIME_SECONDS) * 1000 };
  })().finally(() => (entry.renewing = undefined));
  entry.secret = await entry.renewing;
  return entry.secret.value;
}

/** The secret held now (Auth.js reads it synchronously); lib/auth/next-auth.ts renews it before each sign-in request. */
function heldSecret(config: ProviderConfig): string {
  const signing = config.appleSigningKey!;
  const held = secrets.get(`${config.clientId}\0${signing.teamId}\0${signing.keyId}`)?.secret;
  return held && held.expiresAt > Date.now() ? held.value : "";
}

/**
 * Auth.js refuses a discovery document without a userinfo endpoint, and Apple publishes none; it is
 * never called (the profile is the verified ID token), so the document Auth.js sees names a dead one.
 */
function appleFetch(requireHttps: boolean): typeof fetch {
  const inner = providerFetch(ISSUER, { requireHttps });
  const documentUrl = discoveryUrl(ISSUER);
  return async (input, init) => {
    const response = await inner(input, init);
    if ((input instanceof Request ? input.url : String(input)) !== documentUrl || !response.ok) return response;
    const doc = (await response.json()) as Record<string, unknown>;
    return Response.json({ ...doc, userinfo_endpoint: `${ISSUER}/no-userinfo-endpoint` });
  };
}

/** `profile.user` is the first authorization's `user` form field: {"name":{"firstName","lastName"},"email"}. */
function nameFromUserField(user: unknown): string | null {
  const name = (user as { name?: { firstName?: unknown; lastName?: unknown } } | null)?.name;
  if (!name || typeof name !== "object") return null;
  return normalizeName([name.firstName, name.lastName].filter((part) => typeof part === "string").join(" "));
}

export const apple: ProviderDefinition = {
  kind: "apple",
  variables: ["AUTH_APPLE_ID", "AUTH_APPLE_TEAM_ID", "AUTH_APPLE_KEY_ID", "AUTH_APPLE_PRIVATE_KEY"],
  read(source, { problems }) {
    const clientId = value(source, "AUTH_APPLE_ID");
    const any = ["AUTH_APPLE_TEAM_ID", "AUTH_APPLE_KEY_ID", "AUTH_APPLE_PRIVATE_KEY"].some((name) => value(source, name));
    if (!clientId) {
      if (any)
        problems.errors.push(
          "AUTH_APPLE_ID is missing: it is required when AUTH_APPLE_TEAM_ID, _KEY_ID or _PRIVATE_KEY is set (the Services ID, e.g. com.example.web).",
        );
      return undefined;
    }
    const signing = readSigningKey(source, problems);
    const authUrl = value(source, "AUTH_URL");
    if (authUrl && !authUrl.startsWith("https://")) {
      problems.errors.push(`Sign in with Apple (AUTH_APPLE_ID) needs an https AUTH_URL: Apple only redirects to https (got "${authUrl}").`);
    }
    if (!signing) return undefined;
    return {
      id: "apple",
      kind: "apple",
      name: "Apple",
      mark: "apple",
      clientId,
      clientSecret: "",
      trustEmail: false,
      issuer: ISSUER,
      appleSigningKey: signing,
    };
  },
  authjs(config, context) {
    const base = Apple({ clientId: config.clientId, issuer: context.issuerFor(ISSUER) }) as OAuthConfig<Record<string, unknown>>;
    const provider = {
      ...base,
      checks: OIDC_CHECKS,
      // Apple wants the secret in the body, not in HTTP Basic.
      client: { token_endpoint_auth_method: "client_secret_post" },
      authorization: { params: { scope: "name email", response_mode: "form_post" } },
      profile: (claims: Record<string, unknown>) => apple.profile(claims, config),
      [customFetch]: appleFetch(context.requireHttps),
    };
    // Read on every request (Auth.js copies the provider per request): the secret renews itself.
    Object.defineProperty(provider, "clientSecret", { get: () => heldSecret(config), enumerable: true });
    return provider as OAuthConfig<Record<string, unknown>>;
  },
  async prepare(config) {
    await appleClientSecret(config.clientId, config.appleSigningKey!);
  },
  profile(claims) {
    const profile = profileFromOidcClaims(claims);
    return { ...profile, name: nameFromUserField(claims.user) ?? profile.name };
  },
  clientSecret: (config) => appleClientSecret(config.clientId, config.appleSigningKey!),
  tokenEndpointAuth: "client_secret_post",
  endpoints: {
    issuer: ISSUER,
    token: `${ISSUER}/auth/token`,
    userinfo: undefined,
    revocation: `${ISSUER}/auth/revoke`,
    endSession: undefined,
    jwks: `${ISSUER}/auth/keys`,
  },
  idTokenIssuer: () => ISSUER,
  formActionOrigin: () => ISSUER,
  imageOrigins: () => [],
  offersLogout: false,
};
