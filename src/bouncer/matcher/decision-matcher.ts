import { type IndexedBlock, IpBlockIndex } from "../../shared/ip-block-index";
import type { IpRange } from "../../shared/ip-range";
import type { ClientIp } from "./client-ip";
import { asKey, countryKey, decisionTarget, type MatcherDecision } from "./decision-target";
import { NONE, type SnapshotIndex, type TypeRank } from "./snapshot-index";

/** One change published after a snapshot was built (see README: base + overlay). */
export type SnapshotChange =
  | { op: "add"; id: number; decision: MatcherDecision }
  | { op: "del"; id: number; baseIndex: number | null };

/** The decision that applies to a request. */
export interface MatchedDecision {
  type: string;
  origin: string;
  untilMs: number;
}

/** What the request offers to match on. */
export interface MatchQuery {
  ip: ClientIp | null;
  /** `request.cf.asn`. */
  asn?: number | string | null;
  /** `request.cf.country` (ISO code). */
  country?: string | null;
}

interface OverlayEntry extends IndexedBlock {
  decision: MatcherDecision;
}

/** Default precedence between decision types: ban, then captcha, then anything else. */
export function defaultTypeRank(type: string): number {
  return type === "ban" ? 0 : type === "captcha" ? 1 : 2;
}

/**
 * A snapshot plus the changes published since it was built: decisions added since live in a
 * small hash index (src/shared/ip-block-index.ts), decisions removed since are masked by their
 * snapshot index. Applying a change is O(1)-ish, so an isolate refreshes with a few hundred bytes
 * instead of a new multi-megabyte snapshot; the Durable Object folds the overlay into a new
 * snapshot once it grows (src/bouncer/sync/decision-store.ts).
 */
export class DecisionMatcher {
  private readonly rank: TypeRank;
  private readonly dead = new Set<number>();
  private readonly added = new IpBlockIndex<OverlayEntry>();
  private readonly addedKeys = new Map<string, Map<number, MatcherDecision>>();
  private readonly keyOfId = new Map<number, string>();

  constructor(
    readonly base: SnapshotIndex,
    private readonly rankOf: (type: string) => number = defaultTypeRank,
  ) {
    this.rank = base.rankTypes(rankOf);
  }

  /** Decisions added or removed since the snapshot was built. */
  get overlaySize(): number {
    return this.added.size + this.keyOfId.size + this.dead.size;
  }

  apply(change: SnapshotChange): void {
    if (change.op === "del") {
      if (change.baseIndex !== null) this.dead.add(change.baseIndex);
      this.removeAdded(change.id);
      return;
    }
    this.removeAdded(change.id);
    const target = decisionTarget(change.decision.scope, change.decision.value);
    if (target.kind === "block") {
      const { range } = target;
      this.added.upsert({
        id: change.id,
        size: range.size,
        prefix: range.prefix,
        start: range.start,
        decision: change.decision,
      });
    } else if (target.kind === "key") {
      let byId = this.addedKeys.get(target.key);
      if (!byId) {
        byId = new Map();
        this.addedKeys.set(target.key, byId);
      }
      byId.set(change.id, change.decision);
      this.keyOfId.set(change.id, target.key);
    }
  }

  /** The decision to enforce for this request, or null. Expiry is checked against `nowMs`. */
  match(query: MatchQuery, nowMs: number): MatchedDecision | null {
    const keys: string[] = [];
    if (query.asn !== undefined && query.asn !== null && query.asn !== "") {
      const k = asKey(query.asn);
      if (k !== null) keys.push(k);
    }
    if (query.country) keys.push(countryKey(query.country));
    const nowSec = Math.floor(nowMs / 1000);
    const d = this.base.best(
      query.ip,
      keys,
      nowSec,
      this.rank,
      this.dead.size > 0 ? this.dead : null,
    );
    let best: MatchedDecision | null =
      d === NONE
        ? null
        : {
            type: this.base.typeOf(d),
            origin: this.base.originOf(d),
            untilMs: this.base.untilSecOf(d) * 1000,
          };
    if (this.added.size === 0 && this.addedKeys.size === 0) return best;

    const better = (c: MatcherDecision) => {
      if (c.untilMs <= nowMs) return;
      if (best === null) {
        best = { type: c.type, origin: c.origin, untilMs: c.untilMs };
        return;
      }
      const r = this.rankOf(c.type);
      const rb = this.rankOf(best.type);
      if (r < rb || (r === rb && c.untilMs > best.untilMs)) {
        best = { type: c.type, origin: c.origin, untilMs: c.untilMs };
      }
    };
    if (query.ip !== null && this.added.size > 0) {
      for (const e of this.added.containing(rangeOf(query.ip))) better(e.decision);
    }
    for (const key of keys) {
      const byId = this.addedKeys.get(key);
      if (byId) for (const c of byId.values()) better(c);
    }
    return best;
  }

  private removeAdded(id: number) {
    this.added.remove(id);
    const key = this.keyOfId.get(id);
    if (key === undefined) return;
    this.keyOfId.delete(id);
    const byId = this.addedKeys.get(key)!;
    byId.delete(id);
    if (byId.size === 0) this.addedKeys.delete(key);
  }
}

/** The single-address block of a client IP, for the overlay's hash index. */
function rangeOf(ip: ClientIp): IpRange {
  if (ip.v === 4) {
    const b = Uint8Array.of(ip.w >>> 24, (ip.w >>> 16) & 255, (ip.w >>> 8) & 255, ip.w & 255);
    return { size: 4, start: b, end: b, prefix: 32 };
  }
  const b = new Uint8Array(16);
  for (let k = 0; k < 4; k++) {
    const w = ip.w[k]!;
    b[k * 4] = w >>> 24;
    b[k * 4 + 1] = (w >>> 16) & 255;
    b[k * 4 + 2] = (w >>> 8) & 255;
    b[k * 4 + 3] = w & 255;
  }
  return { size: 16, start: b, end: b, prefix: 128 };
}
