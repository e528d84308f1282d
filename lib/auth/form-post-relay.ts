import "server-only";

import { NextRequest } from "next/server";

import { cookiesOf } from "@/lib/session/claims";

/**
 * A provider that answers with `response_mode=form_post` (Sign in with Apple) sends the browser back
 * with a cross-site POST, and browsers keep SameSite=Lax cookies off cross-site POSTs: the sign-in's
 * state, PKCE and nonce checks, the session and the intent to link would all be missing.
 *
 * (Auth.js itself sends only the state and nonce cookies SameSite=None for such a provider.)
 * Rather than loosening the others to SameSite=None, the POST is relayed: its form is kept in a
 * short-lived HttpOnly cookie and the browser is sent 303 to the same callback URL. That GET is a
 * top-level navigation, which carries Lax cookies; the relay turns it back into the POST Auth.js
 * expects, with the browser's cookies. Nothing of the form reaches a URL (no code or name in access
 * logs or history), and the relay gives no one anything they could not send as a POST themselves.
 * OAuth 2.0 Form Post Response Mode: https://openid.net/specs/oauth-v2-form-post-response-mode-1_0.html
 */

const CALLBACK_PATH = /^\/api\/auth\/callback\/[^/]+$/;
const FORM = "application/x-www-form-urlencoded";

/** A provider's form is a code, a state and Apple's `user`: a few hundred bytes. One cookie must hold it. */
export const MAX_RELAYED_FORM_BYTES = 3000;
/** Long enough for the browser to follow one redirect. */
const RELAY_TTL_SECONDS = 60;

/** `__Host-` over https: no subdomain can plant a form for us, no other path shadow it. */
export function formPostCookieName(secure: boolean): string {
  return secure ? "__Host-authjs.form-post" : "authjs.form-post";
}

function cookieAttributes(secure: boolean, maxAge: number): string {
  return `Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}

/** The cross-site POST: its form into the cookie, the browser to the same URL with GET. */
async function relay(request: NextRequest, secure: boolean): Promise<Response | null> {
  const form = await request.clone().text();
  if (Buffer.byteLength(form) > MAX_RELAYED_FORM_BYTES) return null;
  const value = Buffer.from(form).toString("base64url");
  return new Response(null, {
    status: 303,
    headers: {
      // Relative: the browser resolves it against the public URL it posted to (behind a proxy, request.url is the inner one).
      location: `${request.nextUrl.pathname}${request.nextUrl.search}`,
      "set-cookie": `${formPostCookieName(secure)}=${value}; ${cookieAttributes(secure, RELAY_TTL_SECONDS)}`,
      "cache-control": "no-store",
    },
  });
}

/** The GET that follows: the POST again, with the form, and every cookie the browser sent but the relay's. */
function replayed(request: NextRequest, name: string, form: string): NextRequest {
  const headers = new Headers(request.headers);
  const others = cookiesOf(request.headers).filter((cookie) => cookie.name !== name);
  if (others.length) headers.set("cookie", others.map((cookie) => `${cookie.name}=${cookie.value}`).join("; "));
  else headers.delete("cookie");
  headers.set("content-type", FORM);
  return new NextRequest(request.url, { method: "POST", headers, body: form });
}

function decodedForm(value: string): string | null {
  if (!/^[A-Za-z0-9_-]*$/.test(value)) return null;
  const form = Buffer.from(value, "base64url").toString("utf8");
  return Buffer.byteLength(form) <= MAX_RELAYED_FORM_BYTES ? form : null;
}

/**
 * Wraps Auth.js's route handler. A form POST to a callback is relayed; the GET that follows is
 * replayed as that POST and its answer deletes the cookie. Everything else passes through.
 */
export function withFormPostRelay(
  handler: (request: NextRequest) => Promise<Response>,
  isSecure: (request: NextRequest) => boolean,
): (request: NextRequest) => Promise<Response> {
  return async (request) => {
    if (!CALLBACK_PATH.test(request.nextUrl.pathname)) return handler(request);
    const secure = isSecure(request);
    if (request.method === "POST") {
      const isForm = request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase() === FORM;
      return (isForm && (await relay(request, secure))) || handler(request);
    }
    const name = formPostCookieName(secure);
    const cookie = request.method === "GET" ? cookiesOf(request.headers).find((c) => c.name === name) : undefined;
    if (!cookie) return handler(request);
    const form = decodedForm(cookie.value);
    const response = await handler(form === null ? request : replayed(request, name, form));
    // Used once: a reload of the callback URL does not replay the form.
    const headers = new Headers(response.headers);
    headers.append("set-cookie", `${name}=; ${cookieAttributes(secure, 0)}`);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}
