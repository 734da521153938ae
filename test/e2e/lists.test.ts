/**
 * Issue #14 acceptance (third-party lists): a local HTTP server serves a Spamhaus-DROP-format
 * file and a plain IP list; after `rampart lists sync`, `GET /v1/decisions?ip=` on Rampart's LAPI
 * under `wrangler dev` finds an address inside a listed range with origin `lists`; changing a
 * file yields only the delta in the next stream pull; a malformed file changes nothing and the
 * CLI reports its bad lines.
 */
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir, removeDir } from "../oracle/crowdsec-config.js";
import { type CommandResult, runCommand } from "../oracle/processes.js";
import { type RampartDev, startRampartDev } from "../oracle/rampart-dev.js";
import { rampartCommand } from "../support/bins.js";

const RAMPART = rampartCommand();

/** Serves `files` by path with a strong ETag, answering 304 to a matching If-None-Match. */
function startListServer(files: Map<string, string>): Promise<Server & { seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const body = files.get(req.url ?? "");
    seen.push(`${req.url} ${req.headers["if-none-match"] ?? "-"}`);
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    const etag = `"${createHash("sha256").update(body).digest("hex").slice(0, 16)}"`;
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, { ETag: etag }).end();
      return;
    }
    res.writeHead(200, { "Content-Type": "text/plain", ETag: etag }).end(body);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve(Object.assign(server, { seen }))),
  );
}

const DROP_V1 = [
  "; Spamhaus DROP List 2026/12/08 - (c) 2026 The Spamhaus Project SLU",
  "; Last-Modified: Mon, 07 Dec 2026 10:00:00 GMT",
  "203.0.113.0/24 ; SBL000001",
  "198.51.100.0/25 ; SBL000002",
  "",
].join("\r\n");
const DROP_V2 = [
  "; Spamhaus DROP List",
  "203.0.113.0/24 ; SBL000001",
  "192.0.2.128/25 ; SBL3",
  "",
].join("\r\n");
const PLAIN = "# tor exits\n198.18.0.1\n198.18.0.2\n";

describe("third-party lists through the rampart CLI and a local list server", () => {
  let dev: RampartDev;
  let server: Server & { seen: string[] };
  let base: string;
  let home: string;
  let bouncerKey: string;
  const files = new Map<string, string>();

  const rampart = (args: string[]): Promise<CommandResult> =>
    runCommand(RAMPART.command, [...RAMPART.args, ...args], {
      env: {
        PATH: process.env.PATH,
        HOME: home,
        RAMPART_URL: dev.url,
        RAMPART_ADMIN_TOKEN: dev.adminToken,
      },
      cwd: home,
      timeoutMs: 120_000,
    });
  const ok = async (args: string[]) => {
    const r = await rampart(args);
    if (r.code !== 0)
      throw new Error(`rampart ${args.join(" ")} → ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  const bouncerGet = async (path: string) => {
    const res = await fetch(new URL(path, dev.url), { headers: { "X-Api-Key": bouncerKey } });
    expect(res.status).toBe(200);
    return (await res.json()) as unknown;
  };
  type Pulled = {
    new: { value: string; origin: string }[] | null;
    deleted: { value: string }[] | null;
  };
  const values = (list: { value: string }[] | null) => (list ?? []).map((d) => d.value).sort();

  beforeAll(async () => {
    files.set("/drop.txt", DROP_V1);
    files.set("/tor.txt", PLAIN);
    server = await startListServer(files);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dev = await startRampartDev();
    home = makeTempDir("lists-e2e");
    bouncerKey = await dev.addBouncer("lists-e2e-bouncer");
  });

  afterAll(async () => {
    await dev?.stop();
    await new Promise((resolve) => server?.close(resolve));
    if (home) removeDir(home);
  });

  it("syncs a DROP file and a plain list into decisions with origin lists", async () => {
    await ok([
      "lists",
      "add",
      "drop",
      "--url",
      `${base}/drop.txt`,
      "--format",
      "cidr",
      "--scope",
      "range",
      "--duration",
      "48h",
      "--refresh",
      "12h",
    ]);
    await ok([
      "lists",
      "add",
      "tor",
      "--url",
      `${base}/tor.txt`,
      "--format",
      "plain",
      "--scope",
      "ip",
      "--type",
      "captcha",
      "--duration",
      "4h",
    ]);
    expect((await ok(["lists", "sync", "drop"])).stdout).toBe(
      "list 'drop' synced: +2 -0 (0 renewed), 2 active entries\n",
    );
    expect((await ok(["lists", "sync", "tor"])).stdout).toContain("+2 -0");

    const inside = (await bouncerGet("v1/decisions?ip=203.0.113.200")) as Record<string, unknown>[];
    expect(inside).toMatchObject([
      {
        value: "203.0.113.0/24",
        scope: "Range",
        origin: "lists",
        scenario: "lists:drop",
        type: "ban",
      },
    ]);
    const tor = (await bouncerGet("v1/decisions?ip=198.18.0.2")) as Record<string, unknown>[];
    expect(tor).toMatchObject([{ value: "198.18.0.2", origin: "lists", type: "captcha" }]);
    expect(await bouncerGet("v1/decisions?ip=198.51.101.1")).toBeNull();

    const listed = JSON.parse((await ok(["lists", "list", "-o", "json"])).stdout) as {
      name: string;
      entries: number;
      last_status: string;
    }[];
    expect(listed.map((l) => [l.name, l.entries, l.last_status])).toEqual([
      ["drop", 2, "updated"],
      ["tor", 2, "updated"],
    ]);
  });

  it("sends only the delta of a changed file in the next stream pull", async () => {
    const startup = (await bouncerGet("v1/decisions/stream?startup=true")) as Pulled;
    expect(values(startup.new)).toEqual([
      "198.18.0.1",
      "198.18.0.2",
      "198.51.100.0/25",
      "203.0.113.0/24",
    ]);
    // An unchanged file: the server answers 304 to the stored ETag, nothing changes.
    const same = await ok(["lists", "sync", "drop"]);
    expect(same.stdout).toBe("list 'drop' not modified (0 renewed), 2 active entries\n");
    expect(server.seen.at(-1)).toMatch(/^\/drop\.txt "[0-9a-f]{16}"$/);

    files.set("/drop.txt", DROP_V2);
    expect((await ok(["lists", "sync", "drop"])).stdout).toContain("+1 -1");
    const delta = (await bouncerGet("v1/decisions/stream")) as Pulled;
    expect(values(delta.new)).toEqual(["192.0.2.128/25"]);
    expect(values(delta.deleted)).toEqual(["198.51.100.0/25"]);
    expect(await bouncerGet("v1/decisions?ip=192.0.2.200")).toMatchObject([
      { value: "192.0.2.128/25", origin: "lists" },
    ]);
  });

  it("rejects a malformed file whole, reports its bad lines and changes nothing", async () => {
    await bouncerGet("v1/decisions/stream");
    files.set("/drop.txt", `${DROP_V2}10.9.8.0/24 ; SBL4\r\n<html>oops</html>\r\n300.1.2.0/24\r\n`);
    const r = await rampart(["lists", "sync", "drop"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      "list 'drop' rejected, nothing changed: 2 bad line(s); nothing applied\n" +
        '  line 5: not a CIDR block: "<html>oops</html>"\n' +
        '  line 6: not a CIDR block: "300.1.2.0/24"\n',
    );
    expect(r.stderr).toBe("rampart: list 'drop': rejected\n");
    expect(await bouncerGet("v1/decisions?ip=10.9.8.1")).toBeNull();
    expect(await bouncerGet("v1/decisions?ip=192.0.2.200")).not.toBeNull();
    const delta = (await bouncerGet("v1/decisions/stream")) as Pulled;
    expect(values(delta.new)).toEqual([]);
    const listed = JSON.parse((await ok(["lists", "list", "-o", "json"])).stdout) as {
      name: string;
      last_status: string;
      last_bad_lines: number;
    }[];
    expect(listed.find((l) => l.name === "drop")).toMatchObject({
      last_status: "rejected",
      last_bad_lines: 2,
    });
  });

  it("removes a list: its decisions expire and the stream reports them deleted", async () => {
    await bouncerGet("v1/decisions/stream");
    expect((await ok(["lists", "remove", "tor"])).stdout).toBe(
      "list 'tor' removed, 2 decision(s) expired\n",
    );
    const delta = (await bouncerGet("v1/decisions/stream")) as Pulled;
    expect(values(delta.deleted)).toEqual(expect.arrayContaining(["198.18.0.1", "198.18.0.2"]));
    expect(await bouncerGet("v1/decisions?ip=198.18.0.1")).toBeNull();
  });
});
