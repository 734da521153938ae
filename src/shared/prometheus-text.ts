/**
 * A reader for the Prometheus text exposition format 0.0.4 (what the agent serves on
 * :6060/metrics and the LAPI on /metrics): sample name, labels, value. `# HELP` / `# TYPE` lines
 * are checked for shape and skipped. Histograms stay as their `_bucket{le}`, `_sum` and `_count`
 * lines, which is how cscli sums them too.
 *
 * Not a library: prom-client has no parser, and the one npm parser
 * (parse-prometheus-text-format 1.1.1) folds every label set of a histogram into one sample.
 */

/** One sample line. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+-?\d+)?$/;
const LABEL = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)/;
const META = /^#[ \t]+(HELP|TYPE)[ \t]+[a-zA-Z_:][a-zA-Z0-9_:]*(?:[ \t]+(.*))?$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

function unescapeLabel(value: string): string {
  return value.replace(/\\(.)/g, (_, ch: string) => (ch === "n" ? "\n" : ch));
}

function parseLabels(text: string): Record<string, string> | null {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.trim() !== "") {
    const m = LABEL.exec(rest);
    if (!m) return null;
    labels[m[1]!] = unescapeLabel(m[2]!);
    rest = rest.slice(m[0].length);
  }
  return labels;
}

function parseValue(text: string): number {
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  if (text === "NaN") return Number.NaN;
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : Number.NaN;
}

/**
 * Parses exposition text. Lenient (the default) skips malformed lines, as a scraper of a foreign
 * endpoint should; `strict` throws on the first one, naming it (what tests of our own output use).
 */
export function parsePrometheusText(text: string, options: { strict?: boolean } = {}): Sample[] {
  const out: Sample[] = [];
  const lines = text.split("\n");
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    const bad = (why: string) => {
      if (options.strict) throw new Error(`line ${i + 1}: ${why}: ${raw}`);
    };
    if (line === "") continue;
    if (line.startsWith("#")) {
      const meta = META.exec(line);
      if (meta?.[1] === "TYPE" && !TYPES.has(meta[2] ?? "")) bad("unknown TYPE");
      else if (!meta && /^#[ \t]+(HELP|TYPE)\b/.test(line)) bad("malformed HELP/TYPE");
      continue;
    }
    const m = LINE.exec(line);
    const labels = m ? parseLabels(m[2] ?? "") : null;
    const value = m ? parseValue(m[3]!) : Number.NaN;
    if (!m || !labels || (Number.isNaN(value) && m[3] !== "NaN")) {
      bad("malformed sample");
      continue;
    }
    out.push({ name: m[1]!, labels, value });
  }
  return out;
}

/** Sums `metric` by the value of `label` (samples without the label are ignored). */
export function sumBy(
  samples: readonly Sample[],
  metric: string,
  label: string,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== metric) continue;
    const key = s.labels[label];
    if (key === undefined) continue;
    out.set(key, (out.get(key) ?? 0) + s.value);
  }
  return out;
}

/** The sum of the samples of `metric` whose labels include `labels`. */
export function sampleTotal(
  samples: readonly Sample[],
  metric: string,
  labels: Record<string, string> = {},
): number {
  let total = 0;
  for (const s of samples) {
    if (s.name !== metric) continue;
    if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) total += s.value;
  }
  return total;
}
