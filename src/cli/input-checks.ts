/**
 * Local validation of flag values, so bad input fails with one clear line before any request
 * (cscli 1.4.6 does the same for IPs: "1.2.3 isn't a valid ip").
 */
import { parseGoDuration } from "../shared/duration.js";
import { parseIpOrRange } from "../shared/ip-range.js";
import { CliError, EXIT } from "./cli-error.js";

/** Scopes CrowdSec knows, with their canonical spelling (pkg/types/constants.go). */
export const KNOWN_SCOPES: Record<string, string> = {
  ip: "Ip",
  range: "Range",
  as: "AS",
  country: "Country",
};

/** A single IP address. */
export function checkIp(value: string): string {
  const r = parseIpOrRange(value);
  if (!r || value.includes("/")) throw new CliError(`${value} isn't a valid ip`, EXIT.usage);
  return value;
}

/** A CIDR range. */
export function checkRange(value: string): string {
  if (!value.includes("/") || !parseIpOrRange(value)) {
    throw new CliError(`${value} isn't a valid range`, EXIT.usage);
  }
  return value;
}

/** A scope, normalised to its canonical spelling; `custom` lets any non-empty name through. */
export function checkScope(value: string, custom = false): string {
  const known = KNOWN_SCOPES[value.toLowerCase()];
  if (known) return known;
  if (custom && value.trim() !== "") return value;
  throw new CliError(
    `unknown scope '${value}' (expected Ip, Range, AS or Country; --custom-scope sends it as is)`,
    EXIT.usage,
  );
}

/** A Go duration (a leading `Nd` allowed, like CrowdSec 1.5+). */
export function checkDuration(value: string, what = "duration"): string {
  const d = parseGoDuration(value, { allowDays: true });
  if (!d.ok) throw new CliError(`invalid ${what} '${value}': ${d.error}`, EXIT.usage);
  return value;
}

/** A positive integer id. */
export function checkId(value: string, what = "id"): number {
  if (!/^\d+$/.test(value))
    throw new CliError(`invalid ${what} '${value}': not a positive integer`, EXIT.usage);
  return Number(value);
}

/** An integer >= 0. */
export function checkCount(value: string, what: string): number {
  if (!/^\d+$/.test(value))
    throw new CliError(`invalid ${what} '${value}': not a non-negative integer`, EXIT.usage);
  return Number(value);
}
