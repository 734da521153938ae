import { createHash } from "node:crypto";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { freePort } from "../../../test/oracle/processes.js";
import { type HubCdnServer, startHubCdn } from "../../../test/support/hub-cdn-server.js";
import { makeHubCommand, makeHubTypeCommands } from "../commands/hub.js";
import { fakeLapi } from "../testing/fake-lapi-client.js";
import { runCli } from "../testing/run-cli.js";
import { PATTERN_FILES } from "./pattern-files.js";
import { insideRoot } from "./staged-files.js";

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

const PARSER_V1 = "name: t/app-logs\nfilter: \"evt.Line.Labels.type == 'app'\"\n";
const PARSER_V2 = `${PARSER_V1}description: v2\n`;
const SCENARIO = `type: trigger
name: t/app-bf
filter: "evt.Meta.log_type == 'app' && evt.Meta.user in File('app_users.txt')"
data:
  - source_url: https://data.example/lists/app_users.txt
    dest_file: app_users.txt
    type: string
`;
const COLLECTION = "name: t/app\nparsers: [t/app-logs]\nscenarios: [t/app-bf]\n";

/** The remote side: a hub (index with digests), a data host and a patterns dir. */
function writeRemote(root: string): void {
  const put = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  put("hub/parsers/s01-parse/t/app-logs.yaml", PARSER_V2);
  put("hub/scenarios/t/app-bf.yaml", SCENARIO);
  put("hub/collections/t/app.yaml", COLLECTION);
  const item = (path: string, versions: Record<string, string>, extra = {}) => ({
    path,
    version: Object.keys(versions).at(-1),
    versions: Object.fromEntries(
      Object.entries(versions).map(([v, text]) => [v, { digest: sha(text), deprecated: false }]),
    ),
    ...extra,
  });
  put(
    "hub/.index.json",
    JSON.stringify({
      parsers: {
        "t/app-logs": item(
          "parsers/s01-parse/t/app-logs.yaml",
          { "0.1": PARSER_V1, "0.2": PARSER_V2 },
          { stage: "s01-parse" },
        ),
      },
      scenarios: { "t/app-bf": item("scenarios/t/app-bf.yaml", { "0.1": SCENARIO }) },
      collections: {
        "t/app": item(
          "collections/t/app.yaml",
          { "0.1": COLLECTION },
          {
            parsers: ["t/app-logs"],
            scenarios: ["t/app-bf"],
            "appsec-rules": ["t/vpatch-1"],
          },
        ),
      },
      "appsec-rules": { "t/vpatch-1": item("appsec-rules/t/vpatch-1.yaml", { "0.1": "x" }) },
    }),
  );
  put("data/lists/app_users.txt", "root\nadmin\n");
  for (const name of PATTERN_FILES) put(`patterns/${name}`, `${name.toUpperCase()} \\w+\n`);
}

/** Every file under `dir` → sha256 (symlinks → their target). */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isSymbolicLink()) out[relative(dir, full)] = `-> ${readlinkSync(full)}`;
      else out[relative(dir, full)] = sha(readFileSync(full, "utf8"));
    }
  };
  walk(dir);
  return out;
}

describe("hub commands against a hub CDN (a real local HTTP server)", () => {
  let remote: string;
  let cdn: HubCdnServer;
  let local: string;

  beforeAll(async () => {
    remote = mkdtempSync(join(tmpdir(), "rampart-cdn-"));
    writeRemote(remote);
    cdn = await startHubCdn([
      { prefix: "/master/", dir: join(remote, "hub") },
      { prefix: "/data/", dir: join(remote, "data") },
      { prefix: "/patterns/", dir: join(remote, "patterns") },
    ]);
  });
  afterAll(() => cdn.close());
  beforeEach(() => {
    local = mkdtempSync(join(tmpdir(), "rampart-host-"));
    cdn.tamper.clear();
  });

  const config = (hubUrl = cdn.url) => ({
    configDir: join(local, "etc"),
    hubDir: join(local, "etc/hub"),
    dataDir: join(local, "data"),
    patternsDir: join(local, "etc/patterns"),
    hubUrl,
    hubBranch: "master",
    hubDataUrl: `${cdn.url}data/`,
    patternsUrl: `${cdn.url}patterns/`,
  });
  const hub = (args: string[], hubUrl?: string) =>
    runCli(fakeLapi(), args, {
      extraCommands: (io) => [
        makeHubCommand({ io, config: () => config(hubUrl) }),
        ...makeHubTypeCommands({ io, config: () => config(hubUrl) }),
      ],
    });
  const etc = (path: string) => join(local, "etc", path);

  it("hub update writes the index and every grok pattern file", async () => {
    const run = await hub(["hub", "update"]);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain(
      "1 parsers, 0 postoverflows, 1 scenarios, 0 contexts, 1 collections)\n",
    );
    expect(readFileSync(etc("hub/.index.json"), "utf8")).toBe(
      readFileSync(join(remote, "hub/.index.json"), "utf8"),
    );
    expect(readdirSync(etc("patterns")).sort()).toEqual([...PATTERN_FILES].sort());
    expect(readdirSync(etc("hub")).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("refuses an index that does not parse, writing nothing", async () => {
    cdn.tamper.set("/master/.index.json", () => Buffer.from("<html>maintenance</html>"));
    const run = await hub(["hub", "update"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^rampart: http:\S+\/master\/\.index\.json is not a hub index: /);
    expect(existsSync(etc("hub/.index.json"))).toBe(false);
    expect(existsSync(etc("patterns"))).toBe(false);
  });

  it("installs a collection: members downloaded and sha-checked, data files fetched, links made", async () => {
    await hub(["hub", "update"]);
    const run = await hub(["collections", "install", "t/app"]);
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe(
      [
        "downloaded: collections t/app (0.1)",
        "enabled: collections t/app",
        "downloaded: parsers t/app-logs (0.2)",
        "enabled: parsers t/app-logs",
        "downloaded: scenarios t/app-bf (0.1)",
        "enabled: scenarios t/app-bf",
        "skipped: appsec-rules t/vpatch-1 (AppSec items are not supported by Rampart)",
        "Reload the agent for the new items to be used.",
        "",
      ].join("\n"),
    );
    expect(readlinkSync(etc("parsers/s01-parse/app-logs.yaml"))).toBe(
      etc("hub/parsers/s01-parse/t/app-logs.yaml"),
    );
    expect(readFileSync(etc("scenarios/app-bf.yaml"), "utf8")).toBe(SCENARIO);
    expect(readFileSync(join(local, "data/app_users.txt"), "utf8")).toBe("root\nadmin\n");
    expect(cdn.requests).toContain("/data/lists/app_users.txt");
    expect((await hub(["hub", "install", "t/app"])).stdout).toContain(
      "already enabled: scenarios t/app-bf\n",
    );
  });

  it("refuses an item whose bytes do not match the index sha256 and writes nothing", async () => {
    await hub(["hub", "update"]);
    const before = tree(local);
    cdn.tamper.set("/master/scenarios/t/app-bf.yaml", (b) =>
      Buffer.concat([b, Buffer.from("# evil\n")]),
    );
    const run = await hub(["collections", "install", "t/app"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `rampart: scenarios t/app-bf: hash mismatch for ${cdn.url}master/scenarios/t/app-bf.yaml: expected ${sha(SCENARIO)}, got ${sha(`${SCENARIO}# evil\n`)}; refused, nothing written (run \`rampart hub update\` if the index is stale)\n`,
    );
    expect(tree(local)).toEqual(before);
  });

  it("leaves tainted copies alone without --force and replaces them with it", async () => {
    await hub(["hub", "update"]);
    await hub(["hub", "install", "t/app-bf"]);
    writeFileSync(etc("hub/scenarios/t/app-bf.yaml"), `${SCENARIO}# my edit\n`);
    expect((await hub(["scenarios", "list", "-o", "raw"])).stdout).toContain(
      'scenarios,t/app-bf,"enabled,tainted",0.1,scenarios/app-bf.yaml\n',
    );
    expect((await hub(["hub", "upgrade"])).stdout).toBe(
      "skipped: scenarios t/app-bf is tainted (use --force)\nAll items are up to date.\n",
    );
    expect((await hub(["scenarios", "remove", "t/app-bf"])).stdout).toBe(
      "skipped: scenarios t/app-bf is tainted (use --force)\n",
    );
    const forced = await hub(["hub", "upgrade", "--force"]);
    expect(forced.stdout).toContain("upgraded: scenarios t/app-bf → 0.1\n");
    expect(readFileSync(etc("scenarios/app-bf.yaml"), "utf8")).toBe(SCENARIO);
  });

  it("never touches a local item", async () => {
    await hub(["hub", "update"]);
    mkdirSync(etc("scenarios"), { recursive: true });
    writeFileSync(etc("scenarios/mine.yaml"), "name: me/mine\n");
    await hub(["collections", "install", "t/app"]);
    expect(readFileSync(etc("scenarios/mine.yaml"), "utf8")).toBe("name: me/mine\n");
    expect(lstatSync(etc("scenarios/mine.yaml")).isSymbolicLink()).toBe(false);
    expect((await hub(["scenarios", "list", "-o", "raw"])).stdout).toContain(
      "scenarios,scenarios/mine.yaml,local,,scenarios/mine.yaml\n",
    );
  });

  it("shows an older downloaded version as update-available and upgrades it", async () => {
    await hub(["hub", "update"]);
    mkdirSync(etc("hub/parsers/s01-parse/t"), { recursive: true });
    writeFileSync(etc("hub/parsers/s01-parse/t/app-logs.yaml"), PARSER_V1);
    mkdirSync(etc("parsers/s01-parse"), { recursive: true });
    symlinkSync(
      etc("hub/parsers/s01-parse/t/app-logs.yaml"),
      etc("parsers/s01-parse/app-logs.yaml"),
    );
    const listed = await hub(["parsers", "list", "-o", "json"]);
    expect(JSON.parse(listed.stdout).parsers[0].status).toBe("⚠️  enabled,update-available");
    const inspected = JSON.parse(
      (await hub(["parsers", "inspect", "t/app-logs", "-o", "json"])).stdout,
    );
    expect(inspected.local_version).toBe("0.1");
    expect((await hub(["hub", "upgrade"])).stdout).toBe(
      "upgraded: parsers t/app-logs 0.1 → 0.2\n1 item(s) upgraded.\n",
    );
    expect(readFileSync(etc("parsers/s01-parse/app-logs.yaml"), "utf8")).toBe(PARSER_V2);
  });

  it("fails in one line when the hub is unreachable and changes nothing", async () => {
    await hub(["hub", "update"]);
    const before = tree(local);
    const down = `http://127.0.0.1:${await freePort()}/`;
    const update = await hub(["hub", "update"], down);
    expect(update).toEqual({
      code: 4,
      stdout: "",
      stderr: `rampart: cannot download ${down}master/.index.json: ECONNREFUSED\n`,
    });
    const install = await hub(["collections", "install", "t/app"], down);
    expect(install.code).toBe(4);
    expect(install.stderr).toBe(
      `rampart: cannot download ${down}master/collections/t/app.yaml: ECONNREFUSED\n`,
    );
    expect(tree(local)).toEqual(before);
  });

  it("notes AppSec items instead of installing them", async () => {
    await hub(["hub", "update"]);
    expect((await hub(["hub", "install", "t/vpatch-1"])).stdout).toContain(
      "skipped: appsec-rules t/vpatch-1 (AppSec items are not supported by Rampart)\n",
    );
    expect((await hub(["appsec-rules", "install", "t/vpatch-1"])).stdout).toBe(
      "skipped: appsec-rules (AppSec items are not supported by Rampart)\n",
    );
  });
});

describe("insideRoot", () => {
  it("refuses a path that leaves its directory", () => {
    expect(() => insideRoot("/var/lib/data", "../../etc/passwd")).toThrow(
      "refusing path '../../etc/passwd': it leaves /var/lib/data",
    );
    expect(insideRoot("/var/lib/data", "web/x.txt")).toBe("/var/lib/data/web/x.txt");
  });
});
