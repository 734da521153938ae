import { z } from "zod";
import type { NewSignal } from "../../db/capi-server";
import { formatAddress, parseIpOrRange } from "../../shared/ip-range";

/** Most signals one `POST /v2/signals` may carry (CrowdSec's LAPI pushes them by 50). */
export const MAX_SIGNALS_PER_PUSH = 1000;

/**
 * CrowdSec's models.AddSignalsRequestItem (pkg/models): what 1.4.6 sends (`alertToSignal` in
 * pkg/apiserver/apic.go) has no `alert_id` and no `decisions`, later releases add them and
 * `context`; unknown members are allowed so newer LAPIs keep pushing.
 */
const signalItem = z
  .object({
    scenario: z.string().min(1),
    scenario_hash: z.string().optional(),
    scenario_version: z.string().optional(),
    scenario_trust: z.string().optional(),
    message: z.string().optional(),
    start_at: z.string().optional(),
    stop_at: z.string().optional(),
    created_at: z.string().optional(),
    machine_id: z.string().optional(),
    source: z.object({ scope: z.string(), value: z.string() }).passthrough(),
  })
  .passthrough();

export const signalsBody = z.array(signalItem).max(MAX_SIGNALS_PER_PUSH);
export type SignalItem = z.infer<typeof signalItem>;

/**
 * The signals the consensus keeps: single IP sources (scope `Ip`, any case, as CrowdSec scopes
 * are matched), the address in canonical form. Other scopes (ranges, AS, countries) are received
 * and ignored: one reporter's wide range must never become everybody's ban.
 */
export function consensusSignals(items: readonly SignalItem[]): NewSignal[] {
  const out: NewSignal[] = [];
  for (const item of items) {
    if (item.source.scope.toLowerCase() !== "ip") continue;
    const range = parseIpOrRange(item.source.value);
    if (!range || range.prefix !== range.size * 8) continue;
    out.push({ scenario: item.scenario, scope: "Ip", value: formatAddress(range.start) });
  }
  return out;
}
