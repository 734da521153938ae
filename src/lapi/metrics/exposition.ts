import { ALL_FAMILIES, type MetricFamily } from "./metric-families";
import type { SeriesDelta } from "./series";

const SUFFIXES = ["_bucket", "_sum", "_count"] as const;

function familyOf(sample: string, byName: Map<string, MetricFamily>): MetricFamily | undefined {
  const direct = byName.get(sample);
  if (direct) return direct;
  for (const s of SUFFIXES) {
    if (!sample.endsWith(s)) continue;
    const f = byName.get(sample.slice(0, -s.length));
    if (f?.type === "histogram") return f;
  }
  return undefined;
}

/** Sort key of a sample within its family: histogram rows by labels, then `le` numerically. */
function order(a: SeriesDelta, b: SeriesDelta): number {
  const la = a.labels.replace(/,?le="[^"]*"$/, "");
  const lb = b.labels.replace(/,?le="[^"]*"$/, "");
  if (la !== lb) return la < lb ? -1 : 1;
  const rank = (s: SeriesDelta) => SUFFIXES.indexOf(s.name.slice(s.name.lastIndexOf("_")) as never);
  if (a.name !== b.name) return rank(a) - rank(b);
  const le = (s: SeriesDelta) => {
    const m = /le="([^"]*)"$/.exec(s.labels);
    return m ? (m[1] === "+Inf" ? Number.POSITIVE_INFINITY : Number(m[1])) : 0;
  };
  return le(a) - le(b);
}

/** A sample value as Prometheus text (`NaN`, `+Inf` spelled out). */
function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}

/**
 * Renders samples as the Prometheus text exposition format 0.0.4: families in table order, each
 * with its HELP and TYPE lines; families without a sample are left out (client_golang does the
 * same for an empty vector). Samples of unknown names are dropped.
 */
export function renderExposition(samples: readonly SeriesDelta[]): string {
  const byName = new Map(ALL_FAMILIES.map((f) => [f.name, f]));
  const grouped = new Map<string, SeriesDelta[]>();
  for (const s of samples) {
    const f = familyOf(s.name, byName);
    if (!f) continue;
    const list = grouped.get(f.name) ?? [];
    list.push(s);
    grouped.set(f.name, list);
  }
  let out = "";
  for (const f of ALL_FAMILIES) {
    const list = grouped.get(f.name);
    if (!list) continue;
    out += `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of list.sort(order)) {
      out += `${s.name}${s.labels === "" ? "" : `{${s.labels}}`} ${formatValue(s.value)}\n`;
    }
  }
  return out;
}
