/**
 * `rampart explain --log <line> | --file <path> --type <type>`: runs lines through the parsers and
 * scenarios enabled under the config dir (see `rampart hub install`), with the engine's parser
 * pipeline, and shows per stage which node succeeded and which scenarios would pour.
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { openGeoIp } from "../../../agent/hub/geoip.js";
import { hubSourceFromDirectories } from "../../../agent/hub/hub-fs.js";
import { scanInstalled } from "../../../agent/hub/installed-items.js";
import { defaultCompilerFactory } from "../../engine/hub/expr-compiler.js";
import { loadHub } from "../../engine/hub/hub-loader.js";
import { describeMissing, renderLoadProblem } from "../../engine/hub/load-problem.js";
import { CliError, EXIT } from "../cli-error.js";
import type { CliConfig } from "../config.js";
import { explainLine, renderExplanation } from "../explain/explain-line.js";
import { readIndex } from "../hub/installed-items.js";
import { type CliIo, json } from "../output.js";
import { examples, outputOf } from "./context.js";

/** Dependencies: directories and the clock. */
export interface ExplainDeps {
  io: CliIo;
  now: () => Date;
  config: () => Pick<CliConfig, "configDir" | "hubDir" | "dataDir" | "patternsDir">;
}

/** `rampart explain`. */
export function makeExplainCommand(deps: ExplainDeps): Command {
  const cmd = new Command("explain")
    .description("Explain how the enabled parsers and scenarios handle log lines")
    .option("-l, --log <line>", "one log line")
    .option("-f, --file <path>", "a log file (every line; '-' reads stdin)")
    .option("--failures", "only show lines that failed to parse")
    .requiredOption("-t, --type <type>", "log type (acquisition label `type`), e.g. syslog, nginx")
    .option("-v, --verbose", "show the fields each parser node added or changed")
    .action((o, command: Command) => {
      if (!o.log === !o.file) throw new CliError("give exactly one of --log or --file", EXIT.usage);
      let lines: string[];
      if (o.log) lines = [o.log];
      else {
        try {
          lines = readFileSync(o.file === "-" ? 0 : o.file, "utf8")
            .split(/\r?\n/)
            .filter((l) => l !== "");
        } catch {
          throw new CliError(`cannot read '${o.file}': no such file or not readable`, EXIT.usage);
        }
      }
      const { configDir, hubDir, dataDir, patternsDir } = deps.config();
      const index = readIndex(hubDir);
      const installed = scanInstalled(configDir, hubDir, index).filter(
        (f) => f.item && f.state !== "broken",
      );
      const names = (type: string) =>
        installed.filter((f) => f.type === type).map((f) => f.item!.name);
      if (names("parsers").length === 0) {
        throw new CliError(
          `no parsers enabled under ${configDir}: run 'rampart hub install crowdsecurity/linux' (and the collections for your logs), or set RAMPART_CONFIG_DIR`,
          EXIT.usage,
        );
      }
      const hub = loadHub(hubSourceFromDirectories({ hubDir, dataDir, patternsDir }), index, {
        selection: {
          parsers: names("parsers"),
          postoverflows: names("postoverflows"),
          scenarios: names("scenarios"),
        },
        compilerFactory: defaultCompilerFactory,
        enrichers: { now: deps.now, geoip: openGeoIp(dataDir) },
      });
      for (const m of hub.report.missing) {
        deps.io.stderr(`warning: ${describeMissing(m)}\n`);
      }
      for (const item of hub.report.items) {
        const problem = item.problems[0];
        if (item.status !== "loaded") {
          deps.io.stderr(
            `warning: ${item.type} ${item.name} ${item.status}: ${problem ? renderLoadProblem(problem) : ""}\n`,
          );
        }
      }
      const results = lines
        .map((l) => explainLine(l, o.type, hub.parsers, hub.scenarios, deps.now()))
        .filter((r) => !o.failures || !r.parsed);
      if (outputOf(command) === "json") deps.io.stdout(json(results));
      else deps.io.stdout(results.map((r) => renderExplanation(r, o.verbose === true)).join("\n"));
    });
  return examples(cmd, [
    "rampart explain --type syslog --log 'Nov 21 06:00:01 host sshd[42]: Invalid user admin from 192.0.2.7 port 4242'",
    "rampart explain --type nginx --file /var/log/nginx/access.log -v",
    "tail -n 100 /var/log/auth.log | rampart explain --type syslog -f - --failures",
    "RAMPART_CONFIG_DIR=./etc RAMPART_HUB_DIR=./hub rampart explain -t syslog -l '…' -o json",
  ]);
}
