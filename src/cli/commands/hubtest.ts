/**
 * `rampart hubtest run [--all | NAME…]` and `rampart hubtest explain NAME`, like `cscli hubtest`:
 * runs a hub's own test suite (`<hub>/.tests/<name>/`) through Rampart's engine — exactly the
 * items each test lists, its log replayed, `parser.assert` / `scenario.assert` evaluated with
 * Rampart's expr engine — and prints `pass` / `fail` / `skip` per test, then `N passed, M failed`.
 * A test whose items name a data file the data dir lacks (the GeoLite databases, say) is skipped
 * with that reason. Hub, data and patterns dirs: `RAMPART_HUB_DIR`, `RAMPART_DATA_DIR`,
 * `RAMPART_PATTERNS_DIR` (or the config file). Exit code 1 when a test failed.
 */
import { Command } from "commander";
import {
  type HubTestResult,
  HubTestSetupError,
  installHubTest,
  replayHubTest,
  runHubTest,
} from "../../engine/hubtest/run-test.js";
import { CliError, EXIT } from "../cli-error.js";
import type { CliConfig } from "../config.js";
import { explainLine, renderExplanation } from "../explain/explain-line.js";
import { readIndex } from "../hub/installed-items.js";
import { hubTestSource, listHubTests, sharedHubTestInputs } from "../hubtest/hubtest-fs.js";
import { type CliIo, json } from "../output.js";
import { examples, outputOf } from "./context.js";

/** Dependencies: directories and the clock. */
export interface HubTestDeps {
  io: CliIo;
  now: () => Date;
  config: () => Pick<CliConfig, "hubDir" | "dataDir" | "patternsDir">;
}

/** Totals of a run. */
export interface HubTestSummary {
  passed: number;
  failed: number;
  skipped: number;
}

/** Counts the results of a run. */
export function summarize(results: readonly HubTestResult[]): HubTestSummary {
  return {
    passed: results.filter((r) => r.status === "pass").length,
    failed: results.filter((r) => r.status === "fail").length,
    skipped: results.filter((r) => r.status === "skip").length,
  };
}

/** The final line: `N passed, M failed` (and the skipped ones, when there are). */
export function summaryLine(s: HubTestSummary): string {
  return `${s.passed} passed, ${s.failed} failed${s.skipped > 0 ? `, ${s.skipped} skipped (missing data files)` : ""}`;
}

function selectTests(hubDir: string, names: string[], all: boolean): string[] {
  const available = listHubTests(hubDir);
  if (all) {
    if (available.length === 0) throw new CliError(`no tests under ${hubDir}/.tests`, EXIT.usage);
    return available;
  }
  if (names.length === 0) throw new CliError("give test names or --all", EXIT.usage);
  const unknown = names.filter((n) => !available.includes(n));
  if (unknown.length > 0) {
    throw new CliError(`no such test under ${hubDir}/.tests: ${unknown.join(", ")}`, EXIT.usage);
  }
  return names;
}

/** `rampart hubtest`. */
export function makeHubTestCommand(deps: HubTestDeps): Command {
  const dirs = () => {
    const { hubDir, dataDir, patternsDir } = deps.config();
    return { hubDir, dataDir, patternsDir };
  };
  const run = examples(
    new Command("run")
      .description("Run hub tests through Rampart's engine and check their assertions")
      .argument("[names...]", "test names (folders of <hub>/.tests)")
      .option("-a, --all", "run every test of the hub")
      .action((names: string[], o: { all?: boolean }, command: Command) => {
        const d = dirs();
        const tests = selectTests(d.hubDir, names, o.all === true);
        const index = readIndex(d.hubDir);
        const inputs = sharedHubTestInputs(d);
        const shared = { ...inputs, enrichers: { ...inputs.enrichers, now: deps.now } };
        const results = tests.map((name) =>
          runHubTest(name, hubTestSource(d, index, name, shared)),
        );
        const summary = summarize(results);
        if (outputOf(command) === "json") {
          deps.io.stdout(json({ results, summary }));
        } else {
          const lines = results.map(
            (r) => `${r.status} ${r.name}${r.reason ? `: ${r.reason}` : ""}`,
          );
          deps.io.stdout(`${[...lines, summaryLine(summary)].join("\n")}\n`);
        }
        if (summary.failed > 0) process.exitCode = 1;
      }),
    [
      "RAMPART_HUB_DIR=./hub rampart hubtest run --all",
      "rampart hubtest run ssh-bf nginx_http-logs",
      "rampart hubtest run --all -o json",
    ],
  );
  const explain = examples(
    new Command("explain")
      .description("Show how each line of a hub test's log goes through its parsers and scenarios")
      .argument("<name>", "test name (folder of <hub>/.tests)")
      .option("-v, --verbose", "show the fields each parser node added or changed")
      .action((name: string, o: { verbose?: boolean }, command: Command) => {
        const d = dirs();
        selectTests(d.hubDir, [name], false);
        const index = readIndex(d.hubDir);
        const shared = { ...sharedHubTestInputs(d) };
        const source = hubTestSource(d, index, name, shared);
        let installed: ReturnType<typeof installHubTest>;
        try {
          installed = installHubTest(source);
        } catch (error) {
          if (error instanceof HubTestSetupError)
            throw new CliError(`${name}: ${error.message}`, EXIT.usage);
          throw error;
        }
        const { config, hub, lines } = installed;
        const explanations = lines.map((l) =>
          explainLine(l, config.logType, hub.parsers, hub.scenarios, deps.now()),
        );
        const overflows = replayHubTest(source).bucketResults.map((r) => ({
          scenario: r.Overflow.Alert.GetScenario(),
          sources: r.Overflow.GetSources(),
          events: r.Overflow.Alert.GetEventsCount(),
          whitelisted: r.Overflow.Whitelisted,
        }));
        if (outputOf(command) === "json") {
          deps.io.stdout(json({ lines: explanations, overflows }));
          return;
        }
        const out = explanations.map((e) => renderExplanation(e, o.verbose === true));
        out.push(
          overflows.length === 0
            ? "no overflow"
            : overflows
                .map(
                  (v) =>
                    `overflow ${v.scenario} ${v.sources.join(",")} (${v.events} events${v.whitelisted ? ", whitelisted" : ""})`,
                )
                .join("\n"),
        );
        deps.io.stdout(`${out.join("\n")}\n`);
      }),
    ["rampart hubtest explain ssh-bf", "rampart hubtest explain nginx_http-logs -v"],
  );
  return new Command("hubtest")
    .description("Run a hub's test suite (<hub>/.tests) with Rampart's engine, like cscli hubtest")
    .addCommand(run)
    .addCommand(explain);
}
