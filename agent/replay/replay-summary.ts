/** The figures a `-dsn` replay ends with, and how they are printed. */
import type { PipelineStats } from "../pipeline/signal-pipeline.js";

/** Totals of one replay. */
export interface ReplaySummary {
  dsn: string;
  local: boolean;
  stats: PipelineStats;
  /** Batches acknowledged by the LAPI (0 with `--local`). */
  batches: number;
  /** Events poured (LAPI: accepted; local: events some scenario took). */
  accepted: number;
  /** Events the LAPI had already ingested (a replay of the same file by the same machine). */
  duplicates: number;
  /** Bucket partitions the events went to (an event accepted by two scenarios counts twice). */
  targets: number;
  overflows: number;
  alerts: number;
  /** Config, hub loading and (LAPI) login + hub registration, before the first line. */
  startupMs: number;
  /** Sum of the batches' round trips (post → acknowledgement, retries included); batches are sequential. */
  postMs: number;
  elapsedMs: number;
}

/** Human lines, `key: value` style, stable enough for tests to read. */
export function formatReplaySummary(s: ReplaySummary): string {
  const unparsed = Object.values(s.stats.unparsed).reduce((a, b) => a + b, 0);
  const byStage = Object.entries(s.stats.unparsed)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([stage, n]) => `${stage} ${n}`)
    .join(", ");
  const lines = [
    `replay: ${s.dsn}${s.local ? " (local buckets)" : ""}`,
    `lines: ${s.stats.lines}`,
    `parsed: ${s.stats.parsed}`,
    `unparsed: ${unparsed}${byStage ? ` (${byStage})` : ""}`,
    `whitelisted: ${s.stats.whitelisted}`,
  ];
  if (s.stats.parseErrors > 0) lines.push(`parse errors: ${s.stats.parseErrors}`);
  if (s.stats.routeErrors > 0) lines.push(`filter/groupby errors: ${s.stats.routeErrors}`);
  if (s.local) lines.push(`events poured: ${s.accepted}`);
  else {
    lines.push(
      `events posted: ${s.stats.signals} in ${s.batches} batch${s.batches === 1 ? "" : "es"} (${s.accepted} accepted, ${s.duplicates} duplicates)`,
    );
  }
  lines.push(`bucket targets: ${s.targets}`);
  lines.push(`overflows: ${s.overflows}`, `alerts: ${s.alerts}`);
  lines.push(`startup: ${(s.startupMs / 1000).toFixed(2)} s`);
  if (!s.local) lines.push(`lapi round trips: ${(s.postMs / 1000).toFixed(2)} s`);
  lines.push(`elapsed: ${(s.elapsedMs / 1000).toFixed(2)} s`);
  return lines.join("\n");
}
