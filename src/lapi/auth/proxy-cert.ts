/**
 * Client certificates verified by a self-hosted TLS front (nginx, HAProxy, Traefik) and passed on
 * in headers, for deployments off Cloudflare. nginx:
 *
 *     proxy_set_header X-Client-Cert   $ssl_client_escaped_cert;   # URL-escaped PEM
 *     proxy_set_header X-Client-Verify $ssl_client_verify;         # SUCCESS / FAILED:… / NONE
 *
 * These headers are believed only when the request's TCP peer (CF-Connecting-IP as the edge or
 * the `npm start` front sets it) is in `TRUSTED_PROXIES`, the same rule as `X-Forwarded-For`;
 * from anyone else they are a refusal, never an identity. The certificate is decoded with
 * `@peculiar/asn1-x509`; the subject's CN and OUs feed the same OU allow-lists and `<CN>@<ip>`
 * names as Cloudflare's `tlsClientAuth` (CrowdSec 1.4.6 pkg/apiserver/middlewares/v1/tls_auth.go).
 */
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate, type Name } from "@peculiar/asn1-x509";
import type { TlsResult } from "./tls";

/** The verified client certificate: URL-escaped PEM (nginx) or bare base64 DER. */
export const CLIENT_CERT_HEADER = "X-Client-Cert";
/** The front's verification result; only `SUCCESS` (nginx `$ssl_client_verify`) is accepted. */
export const CLIENT_VERIFY_HEADER = "X-Client-Verify";

/** Why a request carrying certificate headers from a peer outside `TRUSTED_PROXIES` gets a 403. */
export const UNTRUSTED_CERT_HEADERS = "client certificate headers from an untrusted peer";

const OID_CN = "2.5.4.3";
const OID_OU = "2.5.4.11";
const PEM = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/g;

/**
 * The certificate a trusted front reports, `none` when it reports none, `rejected` when the
 * headers come from an untrusted peer or describe an unusable certificate.
 */
export function readProxyCert(headers: Headers, peerTrusted: boolean, now: Date): TlsResult {
  const certText = headers.get(CLIENT_CERT_HEADER);
  const verify = headers.get(CLIENT_VERIFY_HEADER);
  if (!certText && (verify === null || verify === "" || verify === "NONE")) return { kind: "none" };
  if (!peerTrusted) {
    return { kind: "rejected", reason: UNTRUSTED_CERT_HEADERS };
  }
  if (verify !== "SUCCESS") {
    return { kind: "rejected", reason: `certificate not verified (${verify || "NONE"})` };
  }
  if (!certText) return { kind: "rejected", reason: "verified certificate missing" };
  const der = certificateDer(certText);
  if (typeof der === "string") return { kind: "rejected", reason: der };
  let cert: Certificate;
  try {
    cert = AsnConvert.parse(der, Certificate);
  } catch {
    return { kind: "rejected", reason: "certificate is not valid X.509 DER" };
  }
  const { notBefore, notAfter } = cert.tbsCertificate.validity;
  const t = now.getTime();
  if (t < notBefore.getTime().getTime() || t > notAfter.getTime().getTime()) {
    return { kind: "rejected", reason: "certificate outside its validity period" };
  }
  const cn = attributes(cert.tbsCertificate.subject, OID_CN)[0] ?? "";
  if (!cn) return { kind: "rejected", reason: "certificate has no common name" };
  return { kind: "ok", identity: { cn, ous: attributes(cert.tbsCertificate.subject, OID_OU) } };
}

/** DER bytes of the one certificate in the header, or why there is none. */
function certificateDer(text: string): Uint8Array | string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    return "certificate header is not URL-escaped text";
  }
  const blocks = [...decoded.matchAll(PEM)].map((m) => m[1]!);
  let base64: string;
  if (blocks.length > 1) return "certificate header holds more than one certificate";
  if (blocks.length === 1) base64 = blocks[0]!;
  else if (/^[A-Za-z0-9+/=\s]+$/.test(decoded) && !decoded.includes("-----")) base64 = decoded;
  else return "certificate header is neither PEM nor base64 DER";
  try {
    return Uint8Array.from(atob(base64.replace(/\s+/g, "")), (ch) => ch.charCodeAt(0));
  } catch {
    return "certificate header is not valid base64";
  }
}

/** The values of one attribute type across the subject's RDNs, in order. */
function attributes(name: Name, oid: string): string[] {
  return name.flatMap((rdn) => rdn.filter((a) => a.type === oid).map((a) => a.value.toString()));
}
