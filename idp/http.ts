/**
 * Request and response helpers for the Dev IdP's own routes (the pages and the test API that sit
 * in front of oidc-provider's endpoints).
 */
import type { Context } from "koa";

import { PAGE_CSP } from "./views";

/** Forms here are a CSRF token, an email and a password: anything bigger is not ours. */
const MAX_FORM_BYTES = 16 * 1024;

/** A refusal our routes turn into an error page (see routes.ts). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
  ) {
    super(message);
  }
}

export async function readForm(ctx: Context): Promise<URLSearchParams> {
  if (!ctx.is("application/x-www-form-urlencoded")) {
    throw new HttpError(415, "Unsupported request", "Expected a form submission.");
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_FORM_BYTES) throw new HttpError(413, "Request too large", "The form submission is too large.");
    chunks.push(buf);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

export function sendHtml(ctx: Context, status: number, html: string): void {
  ctx.status = status;
  ctx.type = "html";
  ctx.set("Cache-Control", "no-store");
  ctx.set("Content-Security-Policy", PAGE_CSP);
  ctx.set("X-Content-Type-Options", "nosniff");
  ctx.set("Referrer-Policy", "no-referrer");
  ctx.body = html;
}

export function sendJson(ctx: Context, status: number, body: unknown): void {
  ctx.status = status;
  ctx.set("Cache-Control", "no-store");
  ctx.body = body;
}
