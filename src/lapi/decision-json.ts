import type { DecisionRow } from "../db/decisions-read";
import { formatGoDuration } from "../shared/duration";

/**
 * Decisions as CrowdSec's models.Decision marshals them (Go struct field order: duration, id,
 * origin, scenario, scope, type, uuid, value). Everything after the duration never changes, so
 * it is built once per decision (`tail`) and cached by the isolate's decision index.
 */
export function decisionTail(d: DecisionRow, withUuid: boolean): string {
  const uuid = withUuid && d.uuid ? `,"uuid":${JSON.stringify(d.uuid)}` : "";
  return `","id":${d.id},"origin":${JSON.stringify(d.origin)},"scenario":${JSON.stringify(d.scenario)},"scope":${JSON.stringify(d.scope)},"type":${JSON.stringify(d.type)}${uuid},"value":${JSON.stringify(d.value)}}`;
}

/**
 * Remaining-time texts for one response, memoised per `until` (bulk imports share one).
 * Durations of live decisions never go below 1 s: the firewall bouncer reads 0 as permanent.
 */
export function durationTexts(now: number): (until: number) => string {
  const memo = new Map<number, string>();
  return (until) => {
    let text = memo.get(until);
    if (text === undefined) {
      const remaining = until - now;
      text = formatGoDuration(remaining > 0 ? Math.max(remaining, 1000) : remaining);
      memo.set(until, text);
    }
    return text;
  };
}

/** One decision's JSON. */
export function decisionJson(
  d: DecisionRow,
  duration: (until: number) => string,
  tail: string,
): string {
  return `{"duration":"${duration(d.until)}${tail}`;
}
