/**
 * A deliberately hostile OpenID provider, for tests only: it publishes ordinary discovery and JWKS
 * documents, then answers the token endpoint with whatever ID token the test crafts (unsigned,
 * signed with a key it never published, HS256 keyed with the client secret, wrong claims…). It
 * proves the app refuses each one instead of trusting the token endpoint blindly.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";

export interface CraftContext {
  issuer: string;
  /** The person the provider signs in. */
  subject: string;
  clientId: string;
  clientSecret: string;
  /** The nonce of the authorization request this code belongs to. */
  nonce: string;
  /** The key the provider publishes in its JWKS. */
  publishedKey: CryptoKey;
  publishedKid: string;
}

/** Returns the `id_token` the token endpoint will send. */
export type IdTokenCrafter = (context: CraftContext) => Promise<string> | string;

export interface RogueProviderOptions {
  /** Appended to the server's origin to form the issuer it publishes, e.g. "/" (Auth0's style) or "/realms/x". */
  issuerPath?: string;
  /** Publishes this issuer in discovery instead (a provider that names somebody else). */
  publishIssuer?: (issuer: string) => string;
}

export interface RogueProvider {
  /** The issuer exactly as published in discovery and in its tokens. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The person it signs in (changeable: setSubject). */
  subject: string;
  setSubject(subject: string): void;
  /** The ID token of the next token response. */
  craft(crafter: IdTokenCrafter): void;
  /** Remembers the nonce of an authorization URL the app built, and returns a code for it. */
  authorize(authorizationUrl: string): { code: string; state: string };
  /** Token requests received so far. */
  tokenRequests: number;
  /** Key-set requests received so far. */
  jwksRequests: number;
  /** Replaces the signing key (new kid) and stops publishing the old one, as a provider's rotation does. */
  rotateKey(): Promise<void>;
  /** The key it signs with now (for tokens a test signs itself, such as logout tokens). */
  currentKey(): { kid: string; privateKey: CryptoKey };
  /** What the userinfo endpoint answers from now on (besides `sub`). */
  setUserinfo(claims: Record<string, unknown>): void;
  close(): Promise<void>;
}

export const ROGUE_CLIENT = { clientId: "rogue-client", clientSecret: "rogue-client-secret-0123456789abcdef" } as const;
const SUBJECT = "rogue-user-1";

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** An honest ID token, as a well-behaved provider would sign it; `claims` override any of its claims. */
export function honestIdToken(context: CraftContext, claims: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {
    iss: context.issuer,
    aud: context.clientId,
    sub: context.subject,
    iat: now,
    exp: now + 300,
    nonce: context.nonce,
    email: "mallory@example.com",
    ...claims,
  };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload).setProtectedHeader({ alg: "RS256", kid: context.publishedKid }).sign(context.publishedKey);
}

async function signingKey(kid: string): Promise<{ privateKey: CryptoKey; jwk: JWK; kid: string }> {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  return { privateKey, kid, jwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } };
}

export async function startRogueProvider(options: RogueProviderOptions = {}): Promise<RogueProvider> {
  let key = await signingKey("rogue-published-key");
  const nonces = new Map<string, string>();
  let crafter: IdTokenCrafter = honestIdToken;
  let userinfo: Record<string, unknown> = { email: "mallory@example.com", name: "Mallory" };
  let issuer = "";
  let base = "";

  const state = {
    tokenRequests: 0,
    jwksRequests: 0,
    rotations: 0,
    codes: 0,
    subject: SUBJECT,
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", base);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify(body));
    };
    try {
      const root = issuer.replace(/\/$/, "");
      if (url.pathname === `${new URL(root).pathname.replace(/\/$/, "")}/.well-known/openid-configuration`) {
        return json(200, {
          issuer: options.publishIssuer ? options.publishIssuer(issuer) : issuer,
          authorization_endpoint: `${base}/authorize`,
          token_endpoint: `${base}/token`,
          userinfo_endpoint: `${base}/userinfo`,
          jwks_uri: `${base}/jwks`,
          response_types_supported: ["code"],
          subject_types_supported: ["public"],
          // A hostile provider advertises every algorithm, hoping the client takes its word for it.
          id_token_signing_alg_values_supported: ["RS256", "HS256", "none"],
          code_challenge_methods_supported: ["S256"],
          token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
        });
      }
      if (url.pathname === "/jwks") {
        state.jwksRequests += 1;
        return json(200, { keys: [key.jwk] });
      }
      if (url.pathname === "/token" && req.method === "POST") {
        state.tokenRequests += 1;
        const form = new URLSearchParams(await readBody(req));
        const nonce = nonces.get(form.get("code") ?? "") ?? "";
        const idToken = await crafter({
          issuer,
          subject: state.subject,
          ...ROGUE_CLIENT,
          nonce,
          publishedKey: key.privateKey,
          publishedKid: key.kid,
        });
        return json(200, { access_token: "rogue-access-token", token_type: "Bearer", expires_in: 300, id_token: idToken });
      }
      if (url.pathname === "/userinfo") return json(200, { ...userinfo, sub: state.subject });
      if (url.pathname === "/authorize" && req.method === "GET") {
        // Approves at once, as a provider does for a person already signed in there and consented.
        const redirectUri = url.searchParams.get("redirect_uri");
        if (url.searchParams.get("client_id") !== ROGUE_CLIENT.clientId || !redirectUri) return json(400, { error: "invalid_request" });
        const code = `rogue-code-${++state.codes}`;
        nonces.set(code, url.searchParams.get("nonce") ?? "");
        const back = new URL(redirectUri);
        back.search = new URLSearchParams({ code, state: url.searchParams.get("state") ?? "", iss: issuer }).toString();
        res.writeHead(302, { location: back.href });
        return res.end();
      }
      json(404, { error: "not_found" });
    } catch {
      json(500, { error: "server_error" });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer = `${base}${options.issuerPath ?? ""}`;

  return {
    issuer,
    ...ROGUE_CLIENT,
    get subject() {
      return state.subject;
    },
    setSubject(subject) {
      state.subject = subject;
    },
    craft(next) {
      crafter = next;
    },
    authorize(authorizationUrl) {
      const params = new URL(authorizationUrl).searchParams;
      const code = `rogue-code-${++state.codes}`;
      nonces.set(code, params.get("nonce") ?? "");
      return { code, state: params.get("state") ?? "" };
    },
    get tokenRequests() {
      return state.tokenRequests;
    },
    get jwksRequests() {
      return state.jwksRequests;
    },
    async rotateKey() {
      key = await signingKey(`rogue-rotated-key-${++state.rotations}`);
    },
    currentKey() {
      return { kid: key.kid, privateKey: key.privateKey };
    },
    setUserinfo(claims) {
      userinfo = claims;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
