/**
 * node --conditions react-server --import tsx bench/session-token-micro.ts
 *
 * The session cookie's decryption in one process, back to back: Auth.js's own `decode` (HKDF and
 * thumbprint per call, jose's WebCrypto A256CBC-HS512) against lib/session/token.ts, first decrypt
 * and repeat read of the same token. Microseconds per call; the ratios are what to read on a busy
 * machine. (react-server: lib/session/token.ts imports "server-only".)
 */
import { performance } from "node:perf_hooks";

import { decode as authjsDecode, encode as authjsEncode } from "next-auth/jwt";

import { decodeSessionToken, encodeSessionToken } from "../lib/session/token";

const secret = "bench-only-secret-0123456789abcdefghijklmnopqrstuvwxyz";
const salt = "authjs.session-token";
const claims = { sub: "user-1", provider: "dev-idp", sid: "x".repeat(43) };
const N = 2_000;

async function perCall(label: string, call: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 200; i++) await call(i);
  const started = performance.now();
  for (let i = 0; i < N; i++) await call(i);
  const us = ((performance.now() - started) / N) * 1000;
  console.log(`${label.padEnd(52)} ${us.toFixed(1).padStart(8)} µs`);
  return us;
}

// Distinct tokens, so that the first-decrypt figure never reads the cache.
const tokens = await Promise.all(Array.from({ length: N + 200 }, (_, i) => authjsEncode({ token: { ...claims, n: i }, secret, salt })));
const one = tokens[0] ?? "";
const authjs = await perCall("Auth.js decode", (i) => authjsDecode({ token: tokens[i], secret, salt }));
const first = await perCall("lib/session/token.ts decode, first time", (i) => decodeSessionToken({ token: tokens[i], secret, salt }));
const again = await perCall("lib/session/token.ts decode, same token again", () => decodeSessionToken({ token: one, secret, salt }));
const authjsEnc = await perCall("Auth.js encode", () => authjsEncode({ token: claims, secret, salt }));
const ours = await perCall("lib/session/token.ts encode", () => encodeSessionToken({ token: claims, secret, salt }));
console.log(
  `decode: ${(authjs / first).toFixed(1)}× faster the first time, ${(authjs / again).toFixed(0)}× on a repeat read; encode: ${(authjsEnc / ours).toFixed(1)}×`,
);
