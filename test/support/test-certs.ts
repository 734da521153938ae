import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * PEM client certificates (name → PEM, each from an OpenSSL `-subj` subject) signed by a
 * throw-away CA, made with the openssl CLI for the Workers tests (which cannot spawn it).
 */
export function clientCertificates(subjects: Record<string, string>): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "rampart-test-certs-"));
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const key = (file: string) =>
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", file);
  try {
    key("ca.key");
    openssl(
      ...["req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=test-ca", "-days", "2"],
      ...["-out", "ca.pem"],
    );
    const out: Record<string, string> = {};
    for (const [name, subject] of Object.entries(subjects)) {
      key(`${name}.key`);
      openssl("req", "-new", "-key", `${name}.key`, "-subj", subject, "-out", `${name}.csr`);
      openssl(
        ...["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key"],
        ...["-CAcreateserial", "-days", "2", "-out", `${name}.pem`],
      );
      out[name] = readFileSync(join(dir, `${name}.pem`), "utf8");
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
