/**
 * What every provider emulator in this folder shares: a loopback HTTP server, form and JSON
 * bodies, client authentication as RFC 6749 §2.3.1 allows it (HTTP Basic or in the body), PKCE
 * (RFC 7636 §4.6) and a signing key that can be rotated.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";

export type Handler = (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<void> | void;

export interface EmulatorServer {
  /** http://127.0.0.1:<port> */
  base: string;
  close(): Promise<void>;
}

/** A server whose handler sees the path as it was on the emulated host (x-emulated-host keeps the host). */
export async function listen(handler: Handler): Promise<EmulatorServer> {
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", `https://${request.headers["x-emulated-host"] ?? request.headers.host}`);
    Promise.resolve(handler(request, response, url)).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: "emulator_failure", error_description: String(error) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  return new URLSearchParams(await readBody(request));
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers });
  response.end(JSON.stringify(body));
}

export function sendHtml(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, { "content-type": "text/html; charset=utf-8" });
  response.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Emulator</title></head><body>${html}</body></html>`);
}

export function redirect(response: ServerResponse, location: string): void {
  response.writeHead(302, { location });
  response.end();
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function opaque(prefix: string): string {
  return `${prefix}${randomBytes(24).toString("base64url")}`;
}

/** The client's id and secret, from HTTP Basic (form-urlencoded parts, RFC 6749 §2.3.1) or the body. */
export function clientCredentials(request: IncomingMessage, form: URLSearchParams): { id: string | null; secret: string | null } {
  const header = request.headers.authorization;
  if (header?.startsWith("Basic ")) {
    const [id, secret] = Buffer.from(header.slice(6), "base64").toString("utf8").split(":");
    return { id: decodeURIComponent(id ?? ""), secret: decodeURIComponent(secret ?? "") };
  }
  return { id: form.get("client_id"), secret: form.get("client_secret") };
}

/** RFC 7636 §4.6: BASE64URL(SHA256(verifier)) must equal the challenge sent with the authorization request. */
export function pkceMatches(challenge: string | null, method: string | null, verifier: string | null): boolean {
  if (!challenge) return verifier === null;
  if (!verifier) return false;
  if (method === "S256") return createHash("sha256").update(verifier).digest("base64url") === challenge;
  return method === "plain" && verifier === challenge;
}

export function bearer(request: IncomingMessage): string | null {
  const header = request.headers.authorization;
  return header?.startsWith("Bearer ") ? header.slice(7) : null;
}

/** An RS256 key published in a JWKS; rotate() replaces it and stops publishing the old one. */
export class SigningKey {
  private current!: { kid: string; privateKey: CryptoKey; jwk: JWK };

  static async create(): Promise<SigningKey> {
    const key = new SigningKey();
    await key.rotate();
    return key;
  }

  async rotate(): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
    const kid = opaque("");
    this.current = { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } };
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.current.jwk] };
  }

  sign(claims: Record<string, unknown>, ttlSeconds = 3600): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: this.current.kid, typ: "JWT" })
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(this.current.privateKey);
  }
}

/** A provider's sign-in page: one button per account (`account=<handle>`) and Cancel, posting `request` back. */
export function accountChooser(title: string, action: string, request: string, accounts: { handle: string; label: string }[]): string {
  const buttons = accounts
    .map(({ handle, label }) => `<li><button name="account" value="${escapeHtml(handle)}">${escapeHtml(label)}</button></li>`)
    .join("");
  return `<h1>${escapeHtml(title)}</h1><form method="post" action="${escapeHtml(action)}"><input type="hidden" name="request" value="${escapeHtml(request)}"><ul>${buttons}</ul><button name="cancel" value="1">Cancel</button></form>`;
}
