import type { Provider as AuthjsProvider } from "@auth/core/providers";

import type { EnvSource, Mode, Problems } from "@/lib/config/variables";
import type { StoredProfile } from "@/lib/providers/profile";

/**
 * What the app knows about one sign-in provider, in one place per provider
 * (lib/providers/definitions/): the variables that configure it, its button, how Auth.js talks to
 * it, how server code reaches it later, and what the browser may be sent to. lib/providers/registry.ts
 * lists them; adding a provider is a file here, its entry there, and its test.
 */

export type ProviderKind = "google" | "github" | "microsoft-entra-id" | "apple" | "oidc" | "dev-idp";

/** Which mark its button wears (components/icons.tsx). */
export type ProviderMarkName = "google" | "github" | "microsoft" | "apple" | "dev-idp" | "openid";

/** What Sign in with Apple's client secret is signed with (lib/providers/definitions/apple.ts). */
export interface AppleSigningKey {
  teamId: string;
  keyId: string;
  /** PKCS #8 PEM of the P-256 key Apple issued (the .p8 file). */
  privateKey: string;
}

/** A provider the environment configured (lib/config/env.ts keeps them, in the login page's order). */
export interface ProviderConfig {
  /** In the callback URL (/api/auth/callback/<id>) and in Account.provider. */
  id: string;
  kind: ProviderKind;
  /** On its button: "Continue with <name>". */
  name: string;
  mark: ProviderMarkName;
  clientId: string;
  clientSecret: string;
  /** OpenID providers found by discovery: the issuer as configured (lib/providers/discovery.ts). */
  issuer?: string;
  /** Whether an address sent without `email_verified` counts as verified (lib/providers/profile.ts). */
  trustEmail: boolean;
  /** Google: the one Workspace domain whose accounts may sign in (AUTH_GOOGLE_HOSTED_DOMAIN). */
  hostedDomain?: string;
  /** GitHub: the organisations whose members may sign in (AUTH_GITHUB_ALLOWED_ORGS). */
  allowedOrgs?: readonly string[];
  /** Microsoft Entra ID: the tenants (ids) whose accounts may sign in (AUTH_MICROSOFT_ENTRA_ID_TENANTS). */
  allowedTenants?: readonly string[];
  /** Apple: the key its client secret is signed with (the secret itself is made when needed). */
  appleSigningKey?: AppleSigningKey;
  /** Generic OpenID providers: the authorization request's scope, prompt and the operator's extra parameters. */
  authorizationParams?: Readonly<Record<string, string>>;
}

/** What a provider's `admit` check is shown of a sign-in, after the code exchange and before any write. */
export interface SignInAttempt {
  /** The ID token's claims, its signature, issuer and audience verified; none for plain OAuth 2.0. */
  idTokenClaims: Record<string, unknown> | undefined;
  accessToken: string | undefined;
  fetch: typeof fetch;
}

export interface ReadContext {
  mode: Mode;
  problems: Problems;
  /** The providers read before this one (the Dev IdP shows only when nothing real is configured). */
  configured: readonly ProviderConfig[];
}

export interface AuthjsContext {
  /** The issuer Auth.js is given: the published one once this process discovered it. */
  issuerFor(configured: string): string;
  requireHttps: boolean;
}

/** Endpoints of a provider that publishes no discovery document (or whose are fixed). */
export interface FixedEndpoints {
  issuer: string | undefined;
  token: string;
  userinfo: string | undefined;
  revocation: string | undefined;
  endSession: string | undefined;
  jwks: string | undefined;
}

export interface ProviderDefinition {
  kind: ProviderKind;
  /** Every variable it reads. */
  variables: readonly string[];
  /** The provider if the environment configures it (the generic OpenID one: each configured slot); problems go to `context.problems`. */
  read(source: EnvSource, context: ReadContext): ProviderConfig | readonly ProviderConfig[] | undefined;
  /** The provider as Auth.js runs it for a sign-in. */
  authjs(config: ProviderConfig, context: AuthjsContext): AuthjsProvider;
  /**
   * Refuses a person the operator's settings keep out (a Workspace domain, an organisation) by
   * throwing AccountNotAllowedError (lib/providers/errors.ts); nothing is stored for them.
   */
  admit?(attempt: SignInAttempt, config: ProviderConfig): Promise<void>;
  /** What the provider says about a person, as we store it. */
  profile(claims: Record<string, unknown>, config: ProviderConfig): StoredProfile;
  /** Work before Auth.js handles a sign-in or callback for it (Apple: a fresh client secret). */
  prepare?(config: ProviderConfig): Promise<void>;
  /** A client secret made when needed instead of `config.clientSecret` (Apple's signed JWT). */
  clientSecret?(config: ProviderConfig): Promise<string>;
  /** How the token and revocation endpoints take the client's credentials; HTTP Basic unless it says the body. */
  tokenEndpointAuth?: "client_secret_post";
  /** Fixed endpoints; without them the provider is discovered from its issuer. */
  endpoints?: FixedEndpoints;
  /** A userinfo request of its own (GitHub: the address from its emails API). */
  userinfo?(accessToken: string, fetchImpl: typeof fetch): Promise<Record<string, unknown>>;
  /** Ends the grant its own way instead of RFC 7009 (GitHub: deletes the app's authorization). */
  revokeGrant?(accessToken: string, config: ProviderConfig, fetchImpl: typeof fetch): Promise<void>;
  /** The `iss` of its ID tokens as configured; none for plain OAuth 2.0. */
  idTokenIssuer(config: ProviderConfig): string | undefined;
  /** Where the sign-in form may send the browser (CSP form-action). */
  formActionOrigin(config: ProviderConfig): string;
  /** Origins its pictures come from besides any https one (the Dev IdP serves its own over http). */
  imageOrigins(config: ProviderConfig): string[];
  /** Whether it may publish an end-session endpoint (the header then offers "Sign out of <name> too"). */
  offersLogout: boolean;
}
