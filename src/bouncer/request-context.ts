import type { BouncerConfig } from "./config";
import type { ClientIp } from "./matcher/client-ip";
import { parseClientIp } from "./matcher/client-ip";

/** The client as the bouncer sees it. */
export interface Client {
  /** Address text as received (bound into the captcha cookie and sent to siteverify). */
  ipText: string;
  ip: ClientIp;
  asn: number | string | null;
  country: string | null;
}

/**
 * Reads the client from the request. On Cloudflare, `CF-Connecting-IP` is set by the edge and a
 * client-sent value is overwritten, so it is trusted as-is. Under `wrangler dev` miniflare only
 * fills it in when absent, which is how tests pretend to be another client; with DEV_MODE=true
 * the headers `X-Rampart-Dev-Asn` / `X-Rampart-Dev-Country` likewise stand in for
 * `request.cf.asn` / `request.cf.country`, which are not real locally. Without DEV_MODE those two
 * headers are ignored.
 */
export function clientOf(request: Request, config: BouncerConfig): Client | null {
  const ipText = request.headers.get("CF-Connecting-IP")?.trim() ?? "";
  const ip = ipText ? parseClientIp(ipText) : null;
  if (!ip) return null;
  const cf = (request as { cf?: { asn?: unknown; country?: unknown } }).cf;
  let asn = typeof cf?.asn === "number" || typeof cf?.asn === "string" ? cf.asn : null;
  let country = typeof cf?.country === "string" ? cf.country : null;
  if (config.devMode) {
    asn = request.headers.get("X-Rampart-Dev-Asn") ?? asn;
    country = request.headers.get("X-Rampart-Dev-Country") ?? country;
  }
  return { ipText, ip, asn, country };
}
