/**
 * Which local alerts the Central API client shares, after CrowdSec's `shouldShareAlert`
 * (pkg/apiserver/apic.go) with Rampart's stricter defaults: only alerts of unmodified hub
 * scenarios (a hash, and a version other than `?`), never simulated ones, never what was itself
 * pulled (`CAPI`, `lists`), manual decisions (`cscli`) only when opted in.
 */

export interface SharingOptions {
  /** Share alerts whose decisions were added by hand (`CAPI_CLIENT_SHARE_MANUAL`). */
  shareManual: boolean;
}

export interface ShareCandidate {
  scenario: string;
  scenarioHash: string;
  scenarioVersion: string;
  simulated: boolean;
  /** Comma-separated origins of the alert's decisions (null: none). */
  origins: string | null;
}

export type ShareVerdict = "share" | "simulated" | "custom" | "tainted" | "manual" | "pulled";

export function shareVerdict(a: ShareCandidate, options: SharingOptions): ShareVerdict {
  if (a.simulated) return "simulated";
  const origins = (a.origins ?? "").split(",").filter((o) => o !== "");
  if (origins.some((o) => o === "CAPI" || o === "lists")) return "pulled";
  if (origins.includes("cscli")) return options.shareManual ? "share" : "manual";
  if (a.scenarioHash === "") return "custom";
  if (a.scenarioVersion === "?" || a.scenarioVersion === "") return "tainted";
  return "share";
}
