import { describe, expect, it } from "vitest";
import { snapshotEvent } from "../../engine/buckets/queued-event";
import { ExpectMode, newLogEvent } from "../../engine/event";
import { parseQueuedEvent } from "./queued-event-schema";

function valid() {
  const evt = newLogEvent({ Raw: "line", Src: "/var/log/x" }, ExpectMode.TIMEMACHINE);
  evt.Time = new Date(Date.UTC(2023, 0, 1));
  evt.MarshaledTime = "2023-01-01T00:00:00Z";
  Object.assign(evt.Meta, { source_ip: "192.0.2.1" });
  return JSON.parse(JSON.stringify(snapshotEvent(evt))) as Record<string, unknown>;
}

describe("parseQueuedEvent", () => {
  it("accepts what the engine's snapshotEvent produces", () => {
    expect(parseQueuedEvent(valid())).toMatchObject({ ok: true });
  });

  it.each([
    ["a non-string meta value", { Meta: { source_ip: 7 } }, "Meta.source_ip"],
    ["an unknown event type", { Type: 3 }, "Type"],
    ["an unparsable time", { Time: "yesterday" }, "Time"],
    ["a missing line", { Line: undefined }, "Line"],
  ])("refuses %s, naming the field", (_, patch, field) => {
    const r = parseQueuedEvent({ ...valid(), ...patch });
    expect(r.ok).toBe(false);
    expect(r.ok ? "" : r.message).toMatch(new RegExp(`^${field.replace(".", "\\.")}:`));
  });
});
