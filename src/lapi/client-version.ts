/**
 * The CrowdSec release a client announces in its User-Agent (`crowdsec/v1.4.6-debian-…`, as cscli
 * and the agent send it), for the few filters whose meaning changed between releases: each
 * client generation then gets the answers it was written against.
 */
export function crowdsecClientVersion(ua: string | undefined): [number, number, number] | null {
  const m = /^crowdsec\/v?(\d+)\.(\d+)\.(\d+)/.exec(ua ?? "");
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

/** True for a CrowdSec client older than `major.minor.patch`; false for others and non-CrowdSec UAs. */
export function isCrowdsecClientBefore(ua: string | undefined, version: [number, number, number]) {
  const v = crowdsecClientVersion(ua);
  if (!v) return false;
  for (let i = 0; i < 3; i++) if (v[i] !== version[i]) return v[i]! < version[i]!;
  return false;
}
