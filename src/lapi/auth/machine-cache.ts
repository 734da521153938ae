/**
 * Whether a machine id still names a validated machine, kept for `ttlMs` in the isolate so that
 * machine routes do not each pay a D1 round trip on top of the JWT check. Any write served by
 * this isolate clears it (a deletion or validation here is seen at once); a machine deleted
 * through another isolate loses access within `ttlMs`.
 */
export class MachineCache {
  private readonly seen = new Map<string, { state: MachineState; at: number }>();

  constructor(private readonly ttlMs: number) {}

  get(machineId: string, now: number): MachineState | undefined {
    const hit = this.seen.get(machineId);
    if (!hit || now - hit.at >= this.ttlMs) return undefined;
    return hit.state;
  }

  set(machineId: string, state: MachineState, now: number): void {
    if (this.seen.size > 10_000) this.seen.clear();
    this.seen.set(machineId, { state, at: now });
  }

  clear(): void {
    this.seen.clear();
  }
}

/** What a token's machine id names now. */
export type MachineState = "validated" | "pending" | "missing";
