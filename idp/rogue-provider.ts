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

export interface RogueProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  subject: string;
  /** The ID token of the next token response. */
  craft(crafter: IdTokenCrafter): void;
  /** Remembers the nonce of an authorization URL the app built, and returns a code for it. */
  authorize(authorizationUrl: string): { code: string; state: string };
  /** Token requests received so far. */
  tokenRequests: number;
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
    sub: SUBJECT,
    iat: now,
    exp: now + 300,
    nonce: context.nonce,
    email: "mallory@example.com",
    ...claims,
  };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload).setProtectedHeader({ alg: "RS256", kid: context.publishedKid }).sign(context.publishedKey);
}

export async function startRogueProvider(): Promise<RogueProvider> {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const publishedKid = "rogue-published-key";
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: publishedKid, alg: "RS256", use: "sig" };
  const nonces = new Map<string, string>();
  let crafter: IdTokenCrafter = honestIdToken;
  let issuer = "";

  const state = {
    tokenRequests: 0,
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify(body));
    };
    try {
      if (url.pathname === "/.well-known/openid-configuration") {
        return json(200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          userinfo_endpoint: `${issuer}/userinfo`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ["code"],
          subject_types_supported: ["public"],
          // A hostile provider advertises every algorithm, hoping the client takes its word for it.
          id_token_signing_alg_values_supported: ["RS256", "HS256", "none"],
          code_challenge_methods_supported: ["S256"],
          token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
        });
      }
      if (url.pathname === "/jwks") return json(200, { keys: [jwk] });
      if (url.pathname === "/token" && req.method === "POST") {
        state.tokenRequests += 1;
        const form = new URLSearchParams(await readBody(req));
        const nonce = nonces.get(form.get("code") ?? "") ?? "";
        const idToken = await crafter({ issuer, ...ROGUE_CLIENT, nonce, publishedKey: privateKey, publishedKid });
        return json(200, { access_token: "rogue-access-token", token_type: "Bearer", expires_in: 300, id_token: idToken });
      }
      if (url.pathname === "/userinfo") return json(200, { sub: SUBJECT, email: "mallory@example.com", name: "Mallory" });
      json(404, { error: "not_found" });
    } catch {
      json(500, { error: "server_error" });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let codes = 0;
  return {
    issuer,
    ...ROGUE_CLIENT,
    subject: SUBJECT,
    craft(next) {
      crafter = next;
    },
    authorize(authorizationUrl) {
      const params = new URL(authorizationUrl).searchParams;
      const code = `rogue-code-${++codes}`;
      nonces.set(code, params.get("nonce") ?? "");
      return { code, state: params.get("state") ?? "" };
    },
    get tokenRequests() {
      return state.tokenRequests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
