/**
 * Issue #2 acceptance: the real, unchanged cscli 1.4.6 runs the same command sequence against the
 * real CrowdSec 1.4.6 LAPI and against Rampart under `wrangler dev`; the outputs (human and
 * `-o json`) must be identical once ids, times, durations, ports and temp paths are masked.
 *
 * Every step also asserts what the oracle itself printed, so that two identical failures (e.g. a
 * broken harness) can never pass as a match.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { startRealAndCandidate } from "../oracle/candidate.js";
import {
  crowdsecInstall,
  type LapiCredentials,
  shouldSkipWithoutOracle,
} from "../oracle/crowdsec-config.js";
import { type Cscli, createCscli } from "../oracle/cscli.js";
import { importCsv, importRows } from "../oracle/decisions-csv.js";
import {
  lineDifferences,
  makeSide,
  recordMismatch,
  resetMismatches,
  type Side,
  transcript,
} from "../oracle/differential.js";
import type { LapiTarget } from "../oracle/lapi-target.js";
import type { CommandResult } from "../oracle/processes.js";

const install = crowdsecInstall();
const skip = shouldSkipWithoutOracle(install, "cscli real-client differential tests");
const MISMATCH_LOG = "lapi-real-clients-mismatches";
const MACHINE = "e2e-cscli";
const PASSWORD = "e2e-cscli-password-0123456789";

/** Args per side: most commands are identical, some carry a side-specific id. */
type Args = string[] | ((side: Side) => string[]);

interface StepResult {
  real: CommandResult;
  rampart: CommandResult;
}

describe.skipIf(skip)(
  "real cscli 1.4.6 prints the same against Rampart as against CrowdSec",
  () => {
    let real: Side;
    let rampart: Side;
    const extraClients: Cscli[] = [];
    const targets: LapiTarget[] = [];

    beforeAll(async () => {
      resetMismatches(MISMATCH_LOG);
      const [realLapi, rampartDev] = await startRealAndCandidate();
      targets.push(realLapi, rampartDev);
      const sides = await Promise.all(
        [realLapi, rampartDev].map(async (target) => {
          await target.addMachine(MACHINE, PASSWORD);
          const cscli = createCscli({
            install,
            credentials: { url: target.url, login: MACHINE, password: PASSWORD },
          });
          return makeSide(target, cscli);
        }),
      );
      [real, rampart] = sides as [Side, Side];
    });

    afterAll(async () => {
      for (const client of extraClients) client.cleanup();
      real?.cscli.cleanup();
      rampart?.cscli.cleanup();
      await Promise.all(targets.map((t) => t.stop()));
    });

    /**
     * Runs `cscli <args>` on both sides (concurrently: the two servers are independent), checks the
     * oracle's exit code, and soft-asserts that Rampart's masked transcript equals the oracle's.
     */
    async function same(args: Args, expectedExit = 0, via?: (side: Side) => Cscli) {
      const argsOf = (side: Side) => (typeof args === "function" ? args(side) : args);
      const [realResult, rampartResult] = await Promise.all(
        [real, rampart].map((side) =>
          (via ? via(side) : side.cscli).run(argsOf(side), { timeoutMs: 240_000 }),
        ),
      );
      const label = typeof args === "function" ? argsOf(real).join(" ") : args.join(" ");
      expect(realResult!.code, `oracle exit code of "cscli ${label}"\n${realResult!.stderr}`).toBe(
        expectedExit,
      );
      const expected = transcript(label, realResult!, real);
      const got = transcript(label, rampartResult!, rampart);
      if (expected !== got) recordMismatch(MISMATCH_LOG, `cscli ${label}`, expected, got);
      if (expected.length + got.length > 40_000) {
        expect.soft(lineDifferences(expected, got), `cscli ${label}`).toBe("");
      } else {
        expect.soft(got, `cscli ${label}`).toBe(expected);
      }
      return { real: realResult!, rampart: rampartResult! } satisfies StepResult;
    }

    /** A second cscli per side with other credentials (cleaned up after the file). */
    function clientsWith(credentialsOf: (side: Side) => LapiCredentials) {
      const clients = new Map<Side, Cscli>();
      for (const side of [real, rampart]) {
        const client = createCscli({ install, credentials: credentialsOf(side) });
        extraClients.push(client);
        clients.set(side, client);
      }
      return (side: Side) => clients.get(side)!;
    }

    /** Reads a value from `-o json` output on each side and stores it as a side fact. */
    async function remember(fact: string, args: string[], pick: (json: unknown) => string) {
      for (const side of [real, rampart]) {
        const json = await side.cscli.json(args);
        side.facts.set(fact, pick(json));
      }
    }

    it("lapi status logs in with the machine credentials", async () => {
      const { real: r } = await same(["lapi", "status"]);
      expect(r.stderr).toContain("You can successfully interact with Local API (LAPI)");
    });

    it("lapi status reports 'incorrect Username or Password' for a wrong password", async () => {
      const wrong = clientsWith((side) => ({
        url: side.target.url,
        login: MACHINE,
        password: "not-the-password",
      }));
      const { real: r } = await same(["lapi", "status"], 1, wrong);
      expect(r.stderr).toContain("incorrect Username or Password");
    });

    it("lapi register creates an unvalidated machine that logs in once validated, not once deleted", async () => {
      const registered = "e2e-registered";
      const file = (side: Side) => join(side.cscli.dir, "registered.yaml");
      await same((side) => ["lapi", "register", "--machine", registered, "-f", file(side)]);
      const creds = new Map<Side, LapiCredentials>();
      for (const side of [real, rampart]) {
        const written = parse(readFileSync(file(side), "utf8")) as LapiCredentials;
        expect(written.login).toBe(registered);
        creds.set(side, { ...written, url: side.target.url });
      }
      const asRegistered = clientsWith((side) => creds.get(side)!);
      const { real: before } = await same(["lapi", "status"], 1, asRegistered);
      expect(before.stderr).toContain(`machine ${registered} not validated`);

      // Real: `cscli machines validate` on the DB; Rampart: POST /admin/v1/machines/:id/validate.
      for (const side of [real, rampart]) await side.target.validateMachine(registered);
      for (const side of [real, rampart]) {
        const machines = await side.target.listMachines();
        expect(machines.find((m) => m.machineId === registered)?.isValidated).toBe(true);
      }
      await same(["lapi", "status"], 0, asRegistered);

      // Real: `cscli machines delete`; Rampart: DELETE /admin/v1/machines/:id.
      for (const side of [real, rampart]) await side.target.deleteMachine(registered);
      const { real: gone } = await same(["lapi", "status"], 1, asRegistered);
      expect(gone.stderr).toContain("ent: machine not found");
    });

    it("decisions add stores an IPv4, a range, an IPv6 address and an IPv6 range", async () => {
      const { real: r } = await same(["decisions", "add", "-i", "192.0.2.1"]);
      expect(r.stderr).toContain("Decision successfully added");
      await same([
        "decisions",
        "add",
        "-r",
        "198.51.100.0/24",
        "-t",
        "captcha",
        "-d",
        "1h",
        "-R",
        "e2e range",
      ]);
      await same(["decisions", "add", "-i", "2001:db8::1", "-d", "2h"]);
      await same(["decisions", "add", "-r", "2001:db8:1::/48", "-d", "3h", "-R", "e2e v6 range"]);
      await same(["decisions", "add", "-i", "203.0.113.7", "-t", "throttle", "-d", "30m"]);
    });

    it("decisions list prints every active decision in human and JSON output", async () => {
      const { real: human } = await same(["decisions", "list"]);
      for (const value of ["192.0.2.1", "198.51.100.0/24", "2001:db8::1", "2001:db8:1::/48"]) {
        expect(human.stdout).toContain(value);
      }
      const { real: json } = await same(["decisions", "list", "-o", "json"]);
      expect(JSON.parse(json.stdout)).toHaveLength(5);
    });

    it("decisions list filters by ip, range and --contained (IPv4 and IPv6)", async () => {
      const { real: inRange } = await same(["decisions", "list", "-i", "198.51.100.7"]);
      expect(inRange.stdout).toContain("198.51.100.0/24");
      await same(["decisions", "list", "-r", "198.51.100.0/24"]);
      const { real: contained } = await same([
        "decisions",
        "list",
        "-r",
        "198.51.0.0/16",
        "--contained",
      ]);
      expect(contained.stdout).toContain("198.51.100.0/24");
      const { real: notContained } = await same(["decisions", "list", "-r", "198.51.0.0/16"]);
      expect(notContained.stdout).not.toContain("198.51.100.0/24");
      const { real: v6 } = await same(["decisions", "list", "-i", "2001:db8:1::5", "-o", "json"]);
      expect(v6.stdout).toContain("2001:db8:1::/48");
      await same(["decisions", "list", "-r", "2001:db8::/32", "--contained"]);
      await same(["decisions", "list", "--type", "captcha", "-o", "json"]);
      await same(["decisions", "list", "-i", "192.0.2.99"]);
    });

    it("list filters: origin, scope, value, scenario, since/until, --no-simu and -m", async () => {
      const { real: origin } = await same(["decisions", "list", "--origin", "cscli", "-o", "json"]);
      expect(JSON.parse(origin.stdout)).toHaveLength(5);
      await same(["decisions", "list", "--origin", "CAPI"]);
      await same(["decisions", "list", "--scope", "range"]);
      await same(["decisions", "list", "--scope", "ip", "--value", "2001:db8::1"]);
      await same(["decisions", "list", "-s", "e2e range", "-o", "json"]);
      await same(["decisions", "list", "--no-simu", "-m"]);
      const { real: since } = await same(["alerts", "list", "--since", "1h", "-o", "json"]);
      expect(JSON.parse(since.stdout)).toHaveLength(5);
      const { real: until } = await same(["alerts", "list", "--until", "1h"]);
      expect(until.stdout).toContain("No active alerts");
      await same(["alerts", "list", "-m"]);
      await same(["alerts", "list", "-s", "e2e v6 range"]);
      await same(["alerts", "list", "--type", "throttle", "-o", "json"]);
    });

    it("alerts list and inspect render the alerts behind the decisions", async () => {
      const { real: list } = await same(["alerts", "list"]);
      expect(list.stdout).toContain("Ip:192.0.2.1");
      await same(["alerts", "list", "-o", "json"]);
      await same(["alerts", "list", "-i", "192.0.2.1"]);
      await same(["alerts", "list", "-r", "198.51.100.0/24", "-o", "json"]);
      await remember("alert-192.0.2.1", ["alerts", "list", "-i", "192.0.2.1"], (json) =>
        String((json as { id: number }[])[0]!.id),
      );
      const { real: inspect } = await same((side) => [
        "alerts",
        "inspect",
        side.facts.get("alert-192.0.2.1")!,
      ]);
      expect(inspect.stdout).toContain("Ip:192.0.2.1");
      await same((side) => ["alerts", "inspect", side.facts.get("alert-192.0.2.1")!, "-o", "json"]);
    });

    it("decisions delete removes by ip, by range --contained and by id", async () => {
      const { real: byIp } = await same(["decisions", "delete", "-i", "192.0.2.1"]);
      expect(byIp.stderr).toContain("1 decision(s) deleted");
      await same(["decisions", "delete", "-i", "192.0.2.1"]);
      const { real: v6 } = await same([
        "decisions",
        "delete",
        "-r",
        "2001:db8::/32",
        "--contained",
      ]);
      expect(v6.stderr).toContain("2 decision(s) deleted");
      await remember("decision-203.0.113.7", ["decisions", "list", "-i", "203.0.113.7"], (json) =>
        String((json as { decisions: { id: number }[] }[])[0]!.decisions[0]!.id),
      );
      await same((side) => [
        "decisions",
        "delete",
        "--id",
        side.facts.get("decision-203.0.113.7")!,
      ]);
      const { real: left } = await same(["decisions", "list", "-o", "json"]);
      expect(JSON.parse(left.stdout)).toHaveLength(1);
      await same(["decisions", "list"]);
    });

    it("alerts delete removes by ip, by id and --all, with the LAPI's error for unknown ids", async () => {
      await same(["alerts", "delete", "-i", "192.0.2.1"]);
      await remember("alert-203.0.113.7", ["alerts", "list", "-i", "203.0.113.7"], (json) =>
        String((json as { id: number }[])[0]!.id),
      );
      await same((side) => ["alerts", "delete", "--id", side.facts.get("alert-203.0.113.7")!]);
      const { real: unknown } = await same(["alerts", "delete", "--id", "987654"], 1);
      expect(unknown.stderr).toContain("ent: alert not found");
      const { real: all } = await same(["alerts", "delete", "--all"]);
      expect(all.stderr).toMatch(/\d+ alert\(s\) deleted/);
      const { real: empty } = await same(["alerts", "list"]);
      expect(empty.stdout).toContain("No active alerts");
      await same(["decisions", "list"]);
    });

    it("decisions import reads JSON and value-only CSV with command-line defaults", async () => {
      const json = JSON.stringify([
        { duration: "2h", scope: "ip", type: "captcha", value: "192.0.2.200", reason: "json-a" },
        { duration: "3h", scope: "range", type: "ban", value: "192.0.2.128/25", origin: "my-list" },
        { value: "2001:db8:abcd::1" },
      ]);
      const csv = "value\n203.0.113.201\n203.0.113.202\n";
      for (const side of [real, rampart]) {
        writeFileSync(join(side.cscli.dir, "small.json"), json);
        writeFileSync(join(side.cscli.dir, "values.csv"), csv);
      }
      const { real: fromJson } = await same((side) => [
        "decisions",
        "import",
        "-i",
        join(side.cscli.dir, "small.json"),
      ]);
      expect(fromJson.stderr).toContain("3 decisions successfully imported");
      await same((side) => [
        "decisions",
        "import",
        "-i",
        join(side.cscli.dir, "values.csv"),
        "-d",
        "45m",
        "-t",
        "throttle",
        "-R",
        "csv defaults",
      ]);
      const { real: listed } = await same(["decisions", "list", "-a", "-o", "json"]);
      expect(listed.stdout).toContain("csv defaults");
      await same(["decisions", "list", "-a"]);
      await same(["decisions", "delete", "--all"]);
      await same(["alerts", "delete", "--all"]);
    });

    it("decisions import loads a 10,000-line CSV that list and delete then see", async () => {
      const rows = importRows(10_000);
      const csv = importCsv(rows);
      const file = (side: Side) => join(side.cscli.dir, "import.csv");
      for (const side of [real, rampart]) writeFileSync(file(side), csv);
      const { real: imported } = await same((side) => ["decisions", "import", "-i", file(side)]);
      expect(imported.stderr).toContain("10000 decisions successfully imported");
      // 1.4.6's include_capi=false keeps only crowdsec/cscli origins: imports need `-a` to show.
      const { real: hidden } = await same(["decisions", "list"]);
      expect(hidden.stdout).toContain("No active decisions");
      await same(["alerts", "list", "-a"]);
      const { real: listed } = await same(["decisions", "list", "-a", "-o", "json"]);
      const alerts = JSON.parse(listed.stdout) as { decisions: unknown[] }[];
      expect(alerts.flatMap((a) => a.decisions)).toHaveLength(10_000);
      await same(["decisions", "list", "-a"]);
      const { real: deleted } = await same(["decisions", "delete", "--all"]);
      expect(deleted.stderr).toContain("10000 decision(s) deleted");
      await same(["decisions", "list", "-a"]);
    });
  },
);
