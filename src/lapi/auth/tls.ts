/**
 * mTLS identities from Cloudflare's `request.cf.tlsClientAuth` (Cloudflare docs "Client certificate
 * variables"): the edge verifies the chain; we require a verified, unrevoked cert whose subject OU
 * is allowed, and name the identity `<CN>@<client ip>` like CrowdSec's tls_auth.go. Off
 * Cloudflare, a trusted TLS front passes the certificate in headers instead (proxy-cert.ts).
 */
import type { IpRange } from "../../shared/ip-range";
import { peerIpOf, peerIsTrustedProxy } from "../client-ip";
import { type DnAttribute, DnError, dnAttributes } from "./dn.js";
import { readProxyCert } from "./proxy-cert";

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

/**
 * The request's client certificate: Cloudflare's when the edge saw one, else the one a front in
 * `TRUSTED_PROXIES` reports in headers (refused from any other peer).
 */
export function clientCertOf(request: Request, trustedProxies: readonly IpRange[]): TlsResult {
  const edge = readClientCert(request.cf);
  if (edge.kind !== "none") return edge;
  const peer = peerIpOf(request.headers);
  const trusted = peer !== null && peerIsTrustedProxy(peer, trustedProxies);
  return readProxyCert(request.headers, trusted, new Date());
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
  // RFC 2253 only: `/` is value text, never a separator (`CN=a/OU=admin-ou` is one CN).
  let dn: DnAttribute[];
  try {
    dn = dnAttributes(auth.certSubjectDNRFC2253 || auth.certSubjectDN || "");
  } catch (error) {
    if (error instanceof DnError)
      return { kind: "rejected", reason: `certificate subject: ${error.message}` };
    throw error;
  }
  const cn = dn.find((a) => a.type === "CN")?.value ?? "";
  const ous = dn.filter((a) => a.type === "OU").map((a) => a.value);
  if (!cn) return { kind: "rejected", reason: "certificate has no common name" };
  return { kind: "ok", identity: { cn, ous } };
}

/** True when one of the cert's OUs is in the allow-list (an empty list allows none). */
export function ouAllowed(identity: TlsIdentity, allowed: readonly string[]): boolean {
  return identity.ous.some((ou) => allowed.includes(ou));
}
