import { describe, expect, it } from "vitest";
import type { SyncConfig } from "../config";
import { type LapiFetch, pullStream, type StreamDecision } from "./lapi-stream";

const config: SyncConfig = {
  lapiUrl: "http://lapi.test/",
  lapiKey: "k3y",
  scopes: ["ip", "range", "as", "country"],
  origins: ["crowdsec", "cscli"],
  scenariosContaining: ["ssh", "HTTP"],
  scenariosNotContaining: ["probing"],
  syncIntervalMs: 1000,
  metricsIntervalMs: 60_000,
  minPrefix: { v4: 8, v6: 32 },
};

const d = (id: number, over: Record<string, unknown> = {}) => ({
  duration: "1h0m0s",
  id,
  origin: "crowdsec",
  scenario: "crowdsecurity/ssh-bf",
  scope: "Ip",
  type: "ban",
  value: `192.0.2.${id}`,
  ...over,
});

async function pull(body: unknown, cfg = config, startup = false) {
  const calls: { path: string; init: RequestInit }[] = [];
  const lapi: LapiFetch = async (path, init) => {
    calls.push({ path, init });
    return new Response(JSON.stringify(body), { status: 200 });
  };
  const got: { list: string; d: StreamDecision }[] = [];
  const result = await pullStream(
    lapi,
    cfg,
    startup,
    () => 1_000_000,
    (list, dec) => got.push({ list, d: dec }),
  );
  return { calls, got, result };
}

describe("LAPI stream pull", () => {
  it("sends the bouncer key, scopes and filters as CrowdSec's stream parameters", async () => {
    const { calls } = await pull({ new: null, deleted: null }, config, true);
    const url = new URL(calls[0]!.path, "http://lapi.test/");
    expect(url.pathname).toBe("/v1/decisions/stream");
    expect(url.searchParams.get("startup")).toBe("true");
    expect(url.searchParams.get("scopes")).toBe("ip,range,as,country");
    expect(url.searchParams.get("origins")).toBe("crowdsec,cscli");
    expect(url.searchParams.get("scenarios_containing")).toBe("ssh,HTTP");
    expect(url.searchParams.get("scenarios_not_containing")).toBe("probing");
    expect(new Headers(calls[0]!.init.headers).get("X-Api-Key")).toBe("k3y");
  });

  it("drops, logs and counts range decisions wider than the minimum prefix", async () => {
    const wide = [
      d(1, { scope: "Range", value: "0.0.0.0/0" }),
      d(2, { scope: "Range", value: "10.0.0.0/7" }),
      d(3, { scope: "Range", value: "::/0" }),
      d(4, { scope: "Ip", value: "2001:db8::/31" }),
    ];
    const kept = [
      d(5, { scope: "Range", value: "10.0.0.0/8" }),
      d(6, { scope: "Range", value: "2001:db8::/32" }),
      d(7),
    ];
    const { got, result } = await pull({ new: [...wide, ...kept], deleted: null });
    expect(got.map((g) => g.d.id)).toEqual([5, 6, 7]);
    expect(result).toMatchObject({ new: 3, wide: 4, filtered: 4 });
    const all = await pull(
      { new: wide, deleted: null },
      { ...config, minPrefix: { v4: 0, v6: 0 } },
    );
    expect(all.got).toHaveLength(4);
  });

  it("omits startup on deltas, like go-cs-bouncer", async () => {
    const { calls } = await pull({ new: null, deleted: null });
    expect(new URL(calls[0]!.path, "http://lapi.test/").searchParams.has("startup")).toBe(false);
  });

  it("re-applies origin and scenario filters locally (LAPI semantics: exact origins, case-insensitive substrings)", async () => {
    const { got, result } = await pull({
      new: [
        d(1),
        d(2, { origin: "CAPI" }),
        d(3, { scenario: "crowdsecurity/http-probing" }),
        d(4, { scenario: "crowdsecurity/http-crawl-non_statics" }),
        d(5, { scenario: "crowdsecurity/nginx-req-limit" }),
        d(6, { scope: "username", value: "root" }),
        d(7, { duration: "not-a-duration" }),
      ],
      deleted: [d(8, { origin: "CAPI", duration: "-2s" })],
    });
    expect(got.map((g) => `${g.list}:${g.d.id}`)).toEqual(["new:1", "new:4", "deleted:8"]);
    expect(result).toEqual({ new: 2, deleted: 1, filtered: 5, wide: 0 });
  });

  it("normalises scope and type case and turns durations into absolute expiry", async () => {
    const { got } = await pull({
      new: [d(1, { scope: "RANGE", type: "Ban", value: "10.0.0.0/8", duration: "1.5s" })],
      deleted: null,
    });
    expect(got[0]!.d).toEqual({
      id: 1,
      scope: "range",
      value: "10.0.0.0/8",
      type: "ban",
      origin: "crowdsec",
      scenario: "crowdsecurity/ssh-bf",
      untilMs: 1_001_500,
    });
  });

  it("reports LAPI errors with their status", async () => {
    const lapi: LapiFetch = async () =>
      Response.json({ message: "access forbidden" }, { status: 403 });
    await expect(pullStream(lapi, config, true, Date.now, () => {})).rejects.toThrow(
      /HTTP 403: .*access forbidden/,
    );
  });
});
