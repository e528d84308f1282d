import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";

import { MAX_REQUEST_BODY_BYTES, pageBodyRefusal, readBodyWithin, withBodyLimit } from "@/lib/security/request-body";

const URL_ = "http://localhost:3000/api/token";
const MB = 1024 * 1024;

/** An endless body that counts what was pulled from it. */
function endless(chunkBytes = 64 * 1024) {
  const counter = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      counter.pulled += chunkBytes;
      controller.enqueue(new Uint8Array(chunkBytes));
    },
  });
  return { stream, counter };
}

const streamed = (stream: ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
  new Request(URL_, { method: "POST", body: stream, headers, duplex: "half" } as RequestInit);

describe("withBodyLimit", () => {
  const echo = withBodyLimit(async (request: NextRequest) => new Response(String((await request.arrayBuffer()).byteLength)));

  it("refuses a declared length over the limit with 413 without reading the body", async () => {
    const { stream, counter } = endless();
    const response = await echo(streamed(stream, { "content-length": String(32 * MB) }));
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: "payload_too_large" });
    expect(counter.pulled).toBeLessThanOrEqual(64 * 1024);
  });

  it("counts a chunked body as it streams and stops reading at the limit", async () => {
    const { stream, counter } = endless();
    const response = await echo(streamed(stream));
    expect(response.status).toBe(413);
    expect(counter.pulled).toBeLessThanOrEqual(MAX_REQUEST_BODY_BYTES + 2 * 64 * 1024);
  });

  it("hands a body within the limit to the handler whole", async () => {
    const body = new Uint8Array(MAX_REQUEST_BODY_BYTES);
    const response = await echo(new Request(URL_, { method: "POST", body }));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(String(MAX_REQUEST_BODY_BYTES));
  });

  it("refuses a Content-Length that is not a number", async () => {
    expect((await echo(new Request(URL_, { method: "POST", body: "x", headers: { "content-length": "1e9" } }))).status).toBe(413);
  });

  it("leaves requests without a body alone", async () => {
    const get = withBodyLimit(async (request: NextRequest) => new Response(request.method));
    expect(await (await get(new Request(URL_))).text()).toBe("GET");
  });

  it("accepts the Proxy Next.js wraps a route handler's request in (Node 24's Request cannot be built from one)", async () => {
    const get = withBodyLimit(
      async (request: NextRequest) => new Response(`${request.method} ${request.nextUrl.pathname} ${request.headers.get("x-probe")}`),
    );
    const original = new Request(URL_, { headers: { "x-probe": "kept" } });
    const proxied = new Proxy(original, {
      get: (target, name) =>
        typeof Reflect.get(target, name) === "function" ? Reflect.get(target, name).bind(target) : Reflect.get(target, name),
    });
    expect(await (await get(proxied)).text()).toBe(`GET ${new URL(URL_).pathname} kept`);
  });
});

describe("readBodyWithin", () => {
  it("returns the body up to the limit, null past it", async () => {
    expect((await readBodyWithin(new Request(URL_, { method: "POST", body: "abc" }), 3))?.toString()).toBe("abc");
    expect(await readBodyWithin(new Request(URL_, { method: "POST", body: "abcd" }), 3)).toBeNull();
  });
});

describe("pageBodyRefusal (the proxy, for server actions)", () => {
  it("refuses a declared length over the limit 413 and a length-less (chunked) body 411; lets the rest through", () => {
    expect(pageBodyRefusal("POST", new Headers({ "content-length": String(MAX_REQUEST_BODY_BYTES + 1) }))?.status).toBe(413);
    expect(pageBodyRefusal("POST", new Headers({ "transfer-encoding": "chunked" }))?.status).toBe(411);
    expect(pageBodyRefusal("POST", new Headers({ "content-length": "300" }))).toBeNull();
    expect(pageBodyRefusal("GET", new Headers({ "content-length": String(32 * MB) }))).toBeNull();
  });
});

it("is the same limit Next.js applies to server actions and to its copy of the body for the proxy", async () => {
  type Config = { experimental: { serverActions: { bodySizeLimit: string }; proxyClientMaxBodySize: string } };
  const configFile: string = "../../next.config.mjs";
  const { experimental } = ((await import(configFile)) as { default: Config }).default;
  const bytes = (value: string) => Number(/^(\d+)mb$/.exec(value)?.[1]) * MB;
  expect(bytes(experimental.serverActions.bodySizeLimit)).toBe(MAX_REQUEST_BODY_BYTES);
  expect(bytes(experimental.proxyClientMaxBodySize)).toBe(MAX_REQUEST_BODY_BYTES);
});
