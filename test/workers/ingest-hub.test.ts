import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN, call, jsonInit, machineToken } from "./helpers";
import { HUB, hubFile, item, register } from "./ingest-support";

const SSH_BF = "hub/scenarios/crowdsecurity/ssh-bf.yaml";
const SSH_SLOW_BF = "hub/scenarios/crowdsecurity/ssh-slow-bf.yaml";
const RDNS = "hub/postoverflows/s00-enrich/crowdsecurity/rdns.yaml";
const SEO = "hub/postoverflows/s01-whitelist/crowdsecurity/seo-bots-whitelist.yaml";

async function stored(): Promise<{ kind: string; name: string }[]> {
  const r = await env.DB.prepare(
    "SELECT kind, name FROM machine_hub_items WHERE machine_id = 'hub-agent' ORDER BY kind, name",
  ).all<{
    kind: string;
    name: string;
  }>();
  return r.results;
}

describe.skipIf(!HUB)("POST /v1/rampart/hub", () => {
  let token: string;

  beforeAll(async () => {
    token = await machineToken("hub-agent");
  });

  it("stores scenarios, postoverflows and data files and answers counts", async () => {
    const r = await register(token, {
      scenarios: [
        await item("crowdsecurity/ssh-bf", hubFile(SSH_BF)),
        await item("crowdsecurity/ssh-slow-bf", hubFile(SSH_SLOW_BF)),
      ],
      postoverflows: [
        await item("crowdsecurity/rdns", hubFile(RDNS), { stage: "s00-enrich" }),
        await item("crowdsecurity/seo-bots-whitelist", hubFile(SEO), { stage: "s01-whitelist" }),
      ],
      data: {
        "ip_seo_bots.txt": hubFile("data/ip_seo_bots.txt"),
        "rdns_seo_bots.txt": hubFile("data/rdns_seo_bots.txt"),
        "rdns_seo_bots.regex": hubFile("data/rnds_seo_bots.regex"),
      },
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({
      scenarios: 2,
      postoverflows: 2,
      data: 3,
      changed: { items: 4, data: 3 },
    });
    expect(await stored()).toEqual([
      { kind: "postoverflow", name: "crowdsecurity/rdns" },
      { kind: "postoverflow", name: "crowdsecurity/seo-bots-whitelist" },
      { kind: "scenario", name: "crowdsecurity/ssh-bf" },
      { kind: "scenario", name: "crowdsecurity/ssh-slow-bf" },
    ]);
    const stage = await env.DB.prepare(
      "SELECT stage FROM machine_hub_items WHERE name = 'crowdsecurity/rdns'",
    ).first<{ stage: string }>();
    expect(stage?.stage).toBe("s00-enrich");
  });

  it("changes nothing when the same hub is registered again", async () => {
    const r = await register(token, {
      scenarios: [await item("crowdsecurity/ssh-bf", hubFile(SSH_BF))],
    });
    expect(await r.json()).toMatchObject({ scenarios: 1, changed: { items: 0, data: 0 } });
  });

  it.each([
    ["invalid YAML", "type: leaky\nname: [unclosed\n", /^scenario test\/broken: /],
    [
      "a filter that does not compile",
      'type: trigger\nname: test/broken\ndescription: "x"\nfilter: "evt.Meta.x =="\n',
      /^scenario test\/broken: .*filter/,
    ],
    [
      "a leaky bucket without leakspeed",
      'type: leaky\nname: test/broken\ndescription: "x"\nfilter: "true"\ncapacity: 5\n',
      /leakspeed can't be empty for leaky/,
    ],
    [
      "an unknown key",
      'type: trigger\nname: test/broken\ndescription: "x"\nfilter: "true"\nfoo: 1\n',
      /foo/,
    ],
    [
      // Issue 12, hole 4: froze the LAPI 15 s per event before the run-time budgets.
      "a distinct of pathological static cost (a huge constant Sprintf width in a loop)",
      "type: leaky\nname: test/broken\ndescription: \"x\"\nfilter: \"true\"\ncapacity: 5\nleakspeed: 10s\ndistinct: \"all(1..20, {len(Sprintf('%0100000000d', #)) > 0}) ? 'a' : 'b'\"\n",
      /^scenario test\/broken: .*Sprintf width or precision 100,000,000 is past Go's limit/s,
    ],
    [
      "a filter of pathological static cost (nested loops over constant ranges)",
      'type: trigger\nname: test/broken\ndescription: "x"\nfilter: "all(1..1000, {all(1..1000, {all([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], {true})})})"\n',
      /^scenario test\/broken: .*closure iterations per evaluation/s,
    ],
  ])(
    "refuses a scenario with %s (400 naming it) and stores nothing of the request",
    async (_, content, message) => {
      const before = await stored();
      const r = await register(token, {
        scenarios: [
          await item(
            "test/fine",
            'type: trigger\nname: test/fine\ndescription: "x"\nfilter: "true"\n',
          ),
          await item("test/broken", content),
        ],
      });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { message: string }).message).toMatch(message);
      expect(await stored()).toEqual(before);
    },
  );

  it("refuses a postoverflow that does not compile", async () => {
    const r = await register(token, {
      postoverflows: [
        await item(
          "test/bad-whitelist",
          'name: test/bad-whitelist\ndescription: "x"\nwhitelist:\n  reason: "x"\n  expression:\n    - "evt.Overflow.Alert.Source.IP =="\n',
        ),
      ],
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { message: string }).message).toMatch(
      /^postoverflow test\/bad-whitelist: /,
    );
  });

  it("refuses a postoverflow whitelist expression of pathological static cost", async () => {
    const r = await register(token, {
      postoverflows: [
        await item(
          "test/costly-whitelist",
          'name: test/costly-whitelist\ndescription: "x"\nwhitelist:\n  reason: "x"\n  expression:\n    - "len(repeat(\'x\', 50000000)) > 0"\n',
        ),
      ],
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { message: string }).message).toMatch(
      /^postoverflow test\/costly-whitelist: .*repeat\(\) builds 50,000,000 characters/s,
    );
  });

  it("refuses an item whose hash is not the sha256 of its content", async () => {
    const good = await item("crowdsecurity/ssh-bf", hubFile(SSH_BF));
    const r = await register(token, { scenarios: [{ ...good, hash: "a".repeat(64) }] });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { message: string }).message).toMatch(/does not match its content/);
  });

  it("refuses a data file too large for one D1 row", async () => {
    const r = await register(token, { data: { "huge.txt": "x".repeat(1_600_000) } });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { message: string }).message).toMatch(/^data file huge\.txt: /);
  });

  it("refuses bodies the wire schema rejects", async () => {
    const r = await register(token, { scenarios: [{ name: "x" }] } as never);
    expect(r.status).toBe(400);
  });

  it("lists registered scenarios with their bucket setting and changes it", async () => {
    const list = async () => {
      const r = await call("/admin/v1/scenarios", { headers: ADMIN });
      expect(r.status).toBe(200);
      return (await r.json()) as { name: string; item: string; buckets: string }[];
    };
    const names = (await list()).map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "crowdsecurity/ssh-bf",
        "crowdsecurity/ssh-bf_user-enum",
        "crowdsecurity/ssh-slow-bf",
      ]),
    );
    const put = await call(
      "/admin/v1/scenarios/crowdsecurity/ssh-bf_user-enum",
      jsonInit("PUT", { buckets: "machine" }, ADMIN),
    );
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({
      name: "crowdsecurity/ssh-bf_user-enum",
      item: "crowdsecurity/ssh-bf",
      buckets: "machine",
    });
    const row = (await list()).find((s) => s.name === "crowdsecurity/ssh-bf_user-enum");
    expect(row?.buckets).toBe("machine");
    expect((await list()).find((s) => s.name === "crowdsecurity/ssh-bf")?.buckets).toBe(
      "deployment",
    );
  });

  it("answers 404 for an unregistered scenario and 400 for a bad setting", async () => {
    const missing = await call(
      "/admin/v1/scenarios/nobody/nothing",
      jsonInit("PUT", { buckets: "machine" }, ADMIN),
    );
    expect(missing.status).toBe(404);
    const bad = await call(
      "/admin/v1/scenarios/crowdsecurity/ssh-bf",
      jsonInit("PUT", { buckets: "host" }, ADMIN),
    );
    expect(bad.status).toBe(400);
  });
});
