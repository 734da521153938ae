import { describe, expect, it } from "vitest";
import { asCscliAlert } from "./cscli-model.js";
import type { Alert } from "./lapi-types.js";

describe("asCscliAlert", () => {
  it("drops fields cscli 1.4.6's models do not know (uuid) at every level, keeping order", () => {
    const alert = {
      uuid: "u-1",
      capacity: 0,
      decisions: [
        {
          duration: "1h",
          id: 1,
          origin: "cscli",
          scenario: "s",
          scope: "Ip",
          simulated: false,
          type: "ban",
          uuid: "d-1",
          value: "1.2.3.4",
        },
      ],
      events: [{ meta: [{ key: "k", value: "v", extra: 1 }], timestamp: "t", extra: true }],
      id: 1,
      source: { ip: "1.2.3.4", scope: "Ip", value: "1.2.3.4", new_field: "x" },
    } as unknown as Alert;
    expect(JSON.stringify(asCscliAlert(alert))).toBe(
      JSON.stringify({
        capacity: 0,
        decisions: [
          {
            duration: "1h",
            id: 1,
            origin: "cscli",
            scenario: "s",
            scope: "Ip",
            simulated: false,
            type: "ban",
            value: "1.2.3.4",
          },
        ],
        events: [{ meta: [{ key: "k", value: "v" }], timestamp: "t" }],
        id: 1,
        source: { ip: "1.2.3.4", scope: "Ip", value: "1.2.3.4" },
      }),
    );
  });

  it("keeps null decisions and events as null", () => {
    const alert = { decisions: null, events: null, id: 2 } as unknown as Alert;
    expect(asCscliAlert(alert)).toEqual({ decisions: null, events: null, id: 2 });
  });
});
