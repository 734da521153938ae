import { type IpRange, parseIpOrRange } from "./ip-range";

/**
 * The narrowest prefix an Ip/Range decision may have (`MIN_RANGE_PREFIX` in the bouncer,
 * `MIN_DECISION_PREFIX` in the LAPI; `v4,v6`, default `8,32`): a `0.0.0.0/0` or `::/0` ban locks
 * every visitor out, the operator included. `0,0` allows every range.
 */
export interface MinPrefix {
  v4: number;
  v6: number;
}

export const DEFAULT_MIN_PREFIX = "8,32";

/** Parses `v4,v6` (0–32, 0–128); null when malformed. */
export function parseMinPrefix(value: string | undefined): MinPrefix | null {
  const parts = (value || DEFAULT_MIN_PREFIX).split(",").map((s) => s.trim());
  if (parts.length !== 2) return null;
  const n = (s: string, max: number) =>
    /^\d{1,3}$/.test(s) && Number(s) <= max ? Number(s) : null;
  const v4 = n(parts[0]!, 32);
  const v6 = n(parts[1]!, 128);
  return v4 === null || v6 === null ? null : { v4, v6 };
}

/** Whether an Ip/Range decision value covers a block wider than `min` (other scopes: false). */
export function widerThan(scope: string, value: string, min: MinPrefix): IpRange | null {
  const s = scope.toLowerCase();
  if (s !== "ip" && s !== "range") return null;
  const range = parseIpOrRange(value.trim());
  if (!range) return null;
  return range.prefix < (range.size === 4 ? min.v4 : min.v6) ? range : null;
}
