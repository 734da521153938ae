import { FAMILIES, type FamilyKey } from "./metric-families";
import { formatBound, joinLabels, labelText, type SeriesDelta } from "./series";

/** Where a batch of increments goes (the metrics object's `add`). */
export type MetricsSink = (deltas: SeriesDelta[]) => Promise<unknown>;

/**
 * The per-isolate side of the LAPI metrics: requests bump plain numbers in a Map (no I/O, no
 * await on the request path); `flush` hands what accumulated to the metrics object in one RPC.
 * At most one flush per isolate is in flight: increments made meanwhile wait for the next one,
 * so a busy isolate sends one batch per round trip, not one per request.
 */
export class MetricsRecorder {
  private pending = new Map<string, SeriesDelta>();
  private inFlight: Promise<void> | null = null;
  private again: Promise<void> | null = null;

  /** Adds `by` to a counter family's series. */
  inc(family: Exclude<FamilyKey, "requestDuration">, labels: Record<string, string>, by = 1): void {
    if (by === 0) return;
    const f = FAMILIES[family];
    this.add(f.name, labelText(f, labels), by);
  }

  /** Observes `seconds` in the request-duration histogram (every bucket row is written). */
  observeDuration(labels: Record<string, string>, seconds: number): void {
    const f = FAMILIES.requestDuration;
    const text = labelText(f, labels);
    for (const bound of [...f.buckets, Number.POSITIVE_INFINITY]) {
      const le = `le="${formatBound(bound)}"`;
      this.add(`${f.name}_bucket`, joinLabels(text, le), seconds <= bound ? 1 : 0);
    }
    this.add(`${f.name}_sum`, text, seconds);
    this.add(`${f.name}_count`, text, 1);
  }

  private add(name: string, labels: string, value: number): void {
    const key = `${name}\u0000${labels}`;
    const d = this.pending.get(key);
    if (d) d.value += value;
    else this.pending.set(key, { name, labels, value });
  }

  /**
   * Sends everything recorded so far through `sink`; resolves once it is stored. A failed send
   * puts its increments back, so a later flush retries them.
   */
  flush(sink: MetricsSink): Promise<void> {
    if (this.inFlight) {
      // Increments made after the in-flight batch left go with the next one.
      this.again ??= this.inFlight.then(() => {
        this.again = null;
        return this.flush(sink);
      });
      return this.again;
    }
    if (this.pending.size === 0) return Promise.resolve();
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.inFlight = sink(batch)
      .then(
        () => undefined,
        (error: unknown) => {
          for (const d of batch) this.add(d.name, d.labels, d.value);
          console.error(`metrics: flush failed: ${(error as Error).message}`);
        },
      )
      .finally(() => {
        this.inFlight = null;
      });
    return this.inFlight;
  }
}
