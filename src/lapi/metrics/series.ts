import type { MetricFamily } from "./metric-families";

/**
 * One sample line of the exposition: sample name (a family name, or a histogram's `_bucket`,
 * `_sum`, `_count`) and its label text exactly as printed between the braces. The pair is the
 * key the metrics object sums increments under.
 */
export interface SeriesDelta {
  name: string;
  labels: string;
  value: number;
}

/** Prometheus text escaping of a label value (backslash, double quote, newline). */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/**
 * The label text of `values` in the family's label order; a missing value is the empty string
 * (what client_golang prints for an empty label).
 */
export function labelText(family: MetricFamily, values: Record<string, string>): string {
  return family.labels.map((l) => `${l}="${escapeLabel(values[l] ?? "")}"`).join(",");
}

/** Joins label texts (a histogram's labels plus its `le`). */
export function joinLabels(a: string, b: string): string {
  return a === "" ? b : b === "" ? a : `${a},${b}`;
}

/** A bucket bound as client_golang prints it (`0.001`, `1`, `+Inf`). */
export function formatBound(bound: number): string {
  return bound === Number.POSITIVE_INFINITY ? "+Inf" : String(bound);
}
