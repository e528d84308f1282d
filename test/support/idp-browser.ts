/**
 * Test helper: a minimal "browser" for driving the Dev IdP over real HTTP with fetch.
 * Keeps cookies per (name, path), never follows redirects by itself.
 * Not a test file (no .test.ts suffix); used by idp/*.test.ts.
 */
import { createHash, randomBytes } from "node:crypto";

interface StoredCookie {
  name: string;
  value: string;
  path: string;
}

export class CookieJar {
  readonly #cookies = new Map<string, StoredCookie>();

  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = "", ...attrs] = header.split(";");
      const eq = pair.indexOf("=");
      if (eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = "/";
      let expired = value === "";
      for (const attr of attrs) {
        const [k = "", v = ""] = attr.split("=").map((s) => s.trim());
        const key = k.toLowerCase();
        if (key === "path" && v) path = v;
        if (key === "max-age" && Number(v) <= 0) expired = true;
        if (key === "expires" && Date.parse(v) <= Date.now()) expired = true;
      }
      const id = `${name};${path}`;
      if (expired) this.#cookies.delete(id);
      else this.#cookies.set(id, { name, value, path });
    }
  }

  headerFor(url: string): string | undefined {
    const { pathname } = new URL(url);
    const matching = [...this.#cookies.values()].filter(
      (c) => pathname === c.path || pathname.startsWith(c.path.endsWith("/") ? c.path : `${c.path}/`),
    );
    return matching.length ? matching.map((c) => `${c.name}=${c.value}`).join("; ") : undefined;
  }

  names(): string[] {
    return [...this.#cookies.values()].map((c) => c.name);
  }
}

export class Browser {
  readonly jar = new CookieJar();

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = this.jar.headerFor(url);
    if (cookie) headers.set("cookie", cookie);
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    this.jar.store(response);
    return response;
  }

  get(url: string): Promise<Response> {
    return this.request(url);
  }

  postForm(url: string, fields: Record<string, string>): Promise<Response> {
    return this.request(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

export interface Hop {
  url: string;
  status: number;
  contentType: string | null;
}

/**
 * Follows redirects while they stay on `origin` (the IdP). Returns the first response
 * that is not a redirect to `origin`, plus every hop seen (to prove no page was shown).
 */
export async function followWithin(
  browser: Browser,
  origin: string,
  first: Response,
  firstUrl: string,
): Promise<{ response: Response; url: string; hops: Hop[]; location: string | undefined }> {
  let response = first;
  let url = firstUrl;
  const hops: Hop[] = [{ url, status: response.status, contentType: response.headers.get("content-type") }];
  for (let i = 0; i < 20; i++) {
    const location = response.headers.get("location");
    if (response.status < 300 || response.status >= 400 || !location) {
      return { response, url, hops, location: undefined };
    }
    const next = new URL(location, url).href;
    if (new URL(next).origin !== origin) {
      return { response, url, hops, location: next };
    }
    url = next;
    response = await browser.get(url);
    hops.push({ url, status: response.status, contentType: response.headers.get("content-type") });
  }
  throw new Error("too many redirects");
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  return { verifier, challenge };
}

export function randomToken(): string {
  return randomBytes(16).toString("base64url");
}

/** Extracts `<form ... action="X">` and the hidden csrf value from our login page. */
export function parseLoginPage(html: string): { loginAction: string; cancelAction: string; csrf: string } {
  const login = /<form method="post" action="([^"]+)" id="login-form">/.exec(html);
  const cancel = /<form method="post" action="([^"]+)" id="cancel-form">/.exec(html);
  const csrf = /name="csrf" value="([^"]+)"/.exec(html);
  if (!login?.[1] || !cancel?.[1] || !csrf?.[1]) throw new Error("login page markup not found");
  const unescape = (s: string) => s.replaceAll("&amp;", "&");
  return { loginAction: unescape(login[1]), cancelAction: unescape(cancel[1]), csrf: csrf[1] };
}
