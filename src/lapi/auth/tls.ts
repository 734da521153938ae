/**
 * mTLS identities from Cloudflare's `request.cf.tlsClientAuth` (Cloudflare docs "Client certificate
 * variables"): the edge verifies the chain; we require a verified, unrevoked cert whose subject OU
 * is allowed, and name the identity `<CN>@<client ip>` like CrowdSec's tls_auth.go.
 */
export interface TlsIdentity {
  cn: string;
  ous: string[];
}

export type TlsResult =
  | { kind: "none" }
  | { kind: "ok"; identity: TlsIdentity }
  | { kind: "rejected"; reason: string };

interface TlsClientAuthLike {
  certPresented?: string;
  certVerified?: string;
  certRevoked?: string;
  certSubjectDN?: string;
  certSubjectDNRFC2253?: string;
}

/** Splits an RFC 2253 / OpenSSL-style DN into attribute pairs, honouring `\,` escapes. */
export function parseDn(dn: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const parts = dn.replace(/^\//, "").split(/(?<!\\)[,/]/);
  for (const part of parts) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    out.push([
      part.slice(0, eq).trim().toUpperCase(),
      part
        .slice(eq + 1)
        .trim()
        .replace(/\\(.)/g, "$1"),
    ]);
  }
  return out;
}

/** Reads the client certificate the edge saw, if any, and checks it is usable. */
export function readClientCert(cf: unknown): TlsResult {
  const auth = (cf as { tlsClientAuth?: TlsClientAuthLike } | undefined)?.tlsClientAuth;
  if (auth?.certPresented !== "1") return { kind: "none" };
  if (auth.certVerified !== "SUCCESS") {
    return {
      kind: "rejected",
      reason: `certificate not verified (${auth.certVerified ?? "NONE"})`,
    };
  }
  if (auth.certRevoked === "1") return { kind: "rejected", reason: "certificate revoked" };
  const dn = parseDn(auth.certSubjectDNRFC2253 || auth.certSubjectDN || "");
  const cn = dn.find(([k]) => k === "CN")?.[1] ?? "";
  const ous = dn.filter(([k]) => k === "OU").map(([, v]) => v);
  if (!cn) return { kind: "rejected", reason: "certificate has no common name" };
  return { kind: "ok", identity: { cn, ous } };
}

/** True when one of the cert's OUs is in the allow-list (an empty list allows none). */
export function ouAllowed(identity: TlsIdentity, allowed: readonly string[]): boolean {
  return identity.ous.some((ou) => allowed.includes(ou));
}
