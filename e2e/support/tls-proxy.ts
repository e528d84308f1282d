import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createServer } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * What nginx or a load balancer does in front of the app: terminate TLS (a self-signed certificate
 * for localhost, made for this run with openssl) and pass each request on with X-Forwarded-*.
 * Browsers reach it with Playwright's `ignoreHTTPSErrors`.
 */
export interface TlsProxy {
  close(): Promise<void>;
}

export async function startTlsProxy(publicPort: number, upstreamPort: number): Promise<TlsProxy> {
  const certDir = mkdtempSync(path.join(tmpdir(), "oauth-e2e-tls-"));
  const made = spawnSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost",
      "-keyout",
      path.join(certDir, "key.pem"),
      "-out",
      path.join(certDir, "cert.pem"),
    ],
    { encoding: "utf8" },
  );
  if (made.status !== 0) {
    rmSync(certDir, { recursive: true, force: true });
    throw new Error(`openssl could not make a certificate:\n${made.stderr}`);
  }
  const proxy = createServer(
    { key: readFileSync(path.join(certDir, "key.pem")), cert: readFileSync(path.join(certDir, "cert.pem")) },
    (req, res) => {
      const upstream = httpRequest(
        {
          host: "127.0.0.1",
          port: upstreamPort,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, "x-forwarded-proto": "https", "x-forwarded-host": req.headers.host ?? "" },
        },
        (upstreamResponse) => {
          res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
          upstreamResponse.pipe(res);
        },
      );
      upstream.on("error", () => {
        res.writeHead(502);
        res.end();
      });
      req.pipe(upstream);
    },
  );
  await new Promise<void>((resolve) => proxy.listen(publicPort, "127.0.0.1", resolve));
  return {
    async close() {
      // close() waits for every connection to end, and browsers keep theirs alive: end them now.
      const closed = new Promise<void>((resolve) => proxy.close(() => resolve()));
      proxy.closeAllConnections();
      await closed;
      rmSync(certDir, { recursive: true, force: true });
    },
  };
}
