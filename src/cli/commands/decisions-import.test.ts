import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { CliError } from "../cli-error.js";
import type { LapiClient } from "../lapi-client.js";
import type { CliIo } from "../output.js";
import { runProgram } from "../program.js";
import { fakeLapi } from "../testing/fake-lapi-client.js";
import { runCli } from "../testing/run-cli.js";
import { makeDecisionsImportCommand, parseCsv, parseImport } from "./decisions-import.js";

/** Runs `decisions import` with an in-memory file system. */
async function runImport(lapi: LapiClient, files: Record<string, string>, args: string[]) {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    color: false,
    interactive: false,
  };
  const readInput = (file: string) => {
    if (!(file in files))
      throw new CliError(`cannot read '${file}': no such file or not readable`, 2);
    return files[file]!;
  };
  const root = new Command("rampart").option("-o, --output <format>").exitOverride();
  root.addCommand(
    new Command("decisions").addCommand(
      makeDecisionsImportCommand({
        client: lapi,
        io,
        now: () => new Date("2026-11-21T06:00:00Z"),
        readInput,
      }),
    ),
  );
  const code = await runProgram(root, ["decisions", "import", ...args], io);
  return { stdout, stderr, code };
}

describe("parseCsv", () => {
  it("reads quoted cells with commas, quotes and CRLF line ends", () => {
    expect(parseCsv('value,reason\r\n1.2.3.4,"a, ""quoted"" reason"\r\n')).toEqual([
      ["value", "reason"],
      ["1.2.3.4", 'a, "quoted" reason'],
    ]);
  });
});

describe("parseImport", () => {
  it("reads CSV by header name, JSON arrays and plain values", () => {
    expect(parseImport("duration,value\n1h,1.2.3.4\n", "csv")).toEqual([
      { duration: "1h", value: "1.2.3.4" },
    ]);
    expect(parseImport('[{"value":"1.2.3.4","type":"captcha"}]', "json")).toEqual([
      { value: "1.2.3.4", type: "captcha" },
    ]);
    expect(parseImport("# comment\n1.2.3.4\n\n5.6.7.8\n", "values")).toEqual([
      { value: "1.2.3.4" },
      { value: "5.6.7.8" },
    ]);
  });
});

describe("rampart decisions import", () => {
  it("uploads one cscli-import alert per --batch decisions", async () => {
    const lapi = fakeLapi();
    const values = Array.from({ length: 5 }, (_, i) => `10.0.0.${i + 1}`).join("\n");
    const run = await runImport(lapi, { "ips.txt": values }, [
      "-i",
      "ips.txt",
      "--batch",
      "2",
      "-d",
      "12h",
    ]);
    expect(run).toEqual({ code: 0, stderr: "", stdout: "Imported 5 decisions in 3 alert(s)\n" });
    expect(lapi.alerts.map((a) => a.decisions!.length)).toEqual([2, 2, 1]);
    expect(lapi.alerts[0]!.decisions![0]).toMatchObject({
      origin: "cscli-import",
      duration: "12h",
      type: "ban",
      scope: "Ip",
      scenario: "manual",
    });
    expect(lapi.alerts[0]!.scenario).toBe("import ips.txt: 2 IPs");
  });

  it("takes per-row fields from CSV over the defaults and reports JSON", async () => {
    const lapi = fakeLapi();
    const csv =
      "value,duration,type,scope,reason\n1.2.3.4,1h,captcha,ip,bots\n10.0.0.0/8,,,range,\n";
    const run = await runImport(lapi, { "d.csv": csv }, ["-i", "d.csv"]);
    expect(run.code).toBe(0);
    const json = await runImport(fakeLapi(), { "d.csv": csv }, ["-i", "d.csv", "-o", "json"]);
    expect(JSON.parse(json.stdout)).toEqual({ imported: 2, alerts: [1] });
    expect(lapi.alerts[0]!.decisions).toEqual([
      expect.objectContaining({
        value: "1.2.3.4",
        duration: "1h",
        type: "captcha",
        scope: "Ip",
        scenario: "bots",
      }),
      expect.objectContaining({
        value: "10.0.0.0/8",
        duration: "4h",
        type: "ban",
        scope: "Range",
        scenario: "manual",
      }),
    ]);
  });

  it("fails on the first bad row without sending anything", async () => {
    const lapi = fakeLapi();
    const run = await runImport(lapi, { "d.json": '[{"value":"1.2.3.4"},{"value":"1.2.3"}]' }, [
      "-i",
      "d.json",
    ]);
    expect(run).toEqual({
      code: 2,
      stdout: "",
      stderr: "rampart: decision 2: 1.2.3 isn't a valid ip\n",
    });
    expect(lapi.alerts).toHaveLength(0);
  });

  it("reports a missing file in one line", async () => {
    const run = await runImport(fakeLapi(), {}, ["-i", "missing.csv"]);
    expect(run).toEqual({
      code: 2,
      stdout: "",
      stderr: "rampart: cannot read 'missing.csv': no such file or not readable\n",
    });
  });

  it("reads a real missing file path as one line through the full program", async () => {
    const run = await runCli(fakeLapi(), ["decisions", "import", "-i", "/nonexistent/bans.csv"]);
    expect(run).toEqual({
      code: 2,
      stdout: "",
      stderr: "rampart: cannot read '/nonexistent/bans.csv': no such file or not readable\n",
    });
  });
});
