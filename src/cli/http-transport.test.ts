import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { skipUnlessPresent } from "../../test/oracle/prerequisites.js";
import { decodeResponse, makeSender } from "./http-transport.js";

const OPENSSL = ["/usr/bin/openssl", "/usr/local/bin/openssl"].find((p) => existsSync(p));

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
function pki(dir: string) {
  const ssl = (...args: string[]) => execFileSync(OPENSSL!, args, { cwd: dir, stdio: "ignore" });
  ssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "1",
    "-subj",
    "/CN=test-ca",
  );
  for (const [name, subj, ext] of [
    ["server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1"],
    ["client", "/OU=agent-ou/CN=cli", "extendedKeyUsage=clientAuth"],
  ] as const) {
    ssl(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      subj,
    );
    execFileSync("sh", ["-c", `printf '%s' '${ext}' > ${name}.ext`], { cwd: dir });
    ssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      "1",
      "-extfile",
      `${name}.ext`,
    );
  }
  return (f: string) => join(dir, f);
}

const skipTls = skipUnlessPresent(
  "makeSender with a client certificate",
  OPENSSL ? [] : ["openssl"],
  "apt-get install openssl",
);

describe.skipIf(skipTls)("makeSender with a client certificate", () => {
  it("presents the certificate to a LAPI that requires one", async () => {
    const file = pki(mkdtempSync(join(tmpdir(), "rampart-mtls-")));
    const server = createServer(
      {
        key: readFileSync(file("server.key")),
        cert: readFileSync(file("server.pem")),
        ca: readFileSync(file("ca.pem")),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        const peer = (req.socket as import("node:tls").TLSSocket).getPeerCertificate();
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ ou: peer.subject?.OU, path: req.url }));
      },
    );
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const send = makeSender({
        certFile: file("client.pem"),
        keyFile: file("client.key"),
        caFile: file("ca.pem"),
      });
      const request = { method: "GET", path: "/health", query: { a: "1" }, headers: {} };
      expect(decodeResponse(request, await send(url, request))).toEqual({
        ou: "agent-ou",
        path: "/health?a=1",
      });
      // Without the certificate the TLS handshake is refused: one line, exit code 4.
      const plain = makeSender({ caFile: file("ca.pem") });
      await expect(plain(url, request)).rejects.toMatchObject({
        exitCode: 4,
        message: expect.stringMatching(
          /^cannot reach the LAPI at https:\/\/127\.0\.0\.1:\d+\/ \(.+\)$/,
        ),
      });
    } finally {
      server.close();
    }
  }, 60_000);

  it("names an unreadable certificate file and a certificate without its key", () => {
    expect(() => makeSender({ certFile: "/tmp/c.pem" })).toThrow(
      "a client certificate needs both cert_file and key_file",
    );
    expect(() =>
      makeSender({ certFile: "/nonexistent/c.pem", keyFile: "/nonexistent/k.pem" }),
    ).toThrow("cannot read TLS file '/nonexistent/c.pem'");
  });
});
