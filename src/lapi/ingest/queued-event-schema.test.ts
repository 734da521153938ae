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

describe("parseQueuedEvent fast path", () => {
  it("returns a well-formed log event as the same object", () => {
    const event = valid();
    const r = parseQueuedEvent(event);
    expect(r.ok && r.event).toBe(event);
  });

  it("strips keys the schema does not know, like zod", () => {
    const r = parseQueuedEvent({ ...valid(), Extra: "x" });
    expect(r.ok).toBe(true);
    expect(r.ok && "Extra" in r.event).toBe(false);
  });

  it.each([
    ["a null parsed value", { Parsed: { a: null } }, "Parsed.a"],
    [
      "a line without its source",
      { Line: { Raw: "x", Time: "", Labels: {}, Module: "file" } },
      "Line.Src",
    ],
    ["an array as meta", { Meta: [] }, "Meta"],
  ])("refuses %s", (_, patch, field) => {
    const r = parseQueuedEvent({ ...valid(), ...patch });
    expect(r.ok ? "" : r.message).toMatch(new RegExp(`^${field.replace(".", "\\.")}:`));
  });
});
