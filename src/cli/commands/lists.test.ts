import { describe, expect, it } from "vitest";
import { fakeLapi } from "../testing/fake-lapi-client.js";
import { runCli } from "../testing/run-cli.js";
import { listsArgv, renderSync } from "./lists.js";

describe("rampart lists", () => {
  it("reads --url after 'lists add' as the list's URL, not the LAPI's", async () => {
    const lapi = fakeLapi();
    const add = [
      "lists",
      "add",
      "drop",
      "--url",
      "https://lists.test/drop.txt",
      "--format",
      "cidr",
      "--scope",
      "range",
      "--duration",
      "48h",
    ];
    expect((await runCli(lapi, add)).stdout).toBe(
      "list 'drop' added; run 'rampart lists sync drop' to fetch it now\n",
    );
    expect(lapi.lists[0]).toMatchObject({
      name: "drop",
      url: "https://lists.test/drop.txt",
      format: "cidr",
      scope: "range",
      type: "ban",
      duration: "48h",
    });
    expect(listsArgv(["-u", "http://lapi/", "lists", "add", "x", "--url=http://l/"])).toEqual([
      "-u",
      "http://lapi/",
      "lists",
      "add",
      "x",
      "--list-url=http://l/",
    ]);
    expect(listsArgv(["decisions", "list", "--url", "http://lapi/"])).toEqual([
      "decisions",
      "list",
      "--url",
      "http://lapi/",
    ]);
  });

  it("refuses an unknown format before calling the LAPI", async () => {
    const lapi = fakeLapi();
    const r = await runCli(lapi, ["lists", "add", "x", "--url", "http://l/", "--format", "xml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--format <format>' argument 'xml' is invalid/);
    expect(lapi.calls).toEqual([]);
  });

  it("reports a rejected sync with its bad lines and exits 1", async () => {
    expect(
      renderSync({
        name: "drop",
        status: "rejected",
        bad_lines: 1,
        bad_examples: [{ line: 3, text: "oops", reason: "not a CIDR block" }],
        error: "1 bad line(s); nothing applied",
      }),
    ).toBe(
      "list 'drop' rejected, nothing changed: 1 bad line(s); nothing applied\n" +
        '  line 3: not a CIDR block: "oops"\n',
    );
    const lapi = fakeLapi();
    expect((await runCli(lapi, ["lists", "sync", "nope"])).code).toBe(3);
  });
});
