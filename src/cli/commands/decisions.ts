/**
 * `rampart decisions list|add|delete|import` — cscli's decisions verbs with cscli's flags. Like
 * cscli, `list` reads alerts (`GET /v1/alerts?has_active_decision=true…`, cmd/crowdsec-cli) and
 * shows their decisions; `add` posts one alert carrying one decision (origin `cscli`).
 */
import { Command } from "commander";
import { CliError, EXIT } from "../cli-error.js";
import { checkDuration, checkId, checkIp, checkRange, checkScope } from "../input-checks.js";
import type { NewAlert, Query } from "../lapi-types.js";
import { examples, type LapiCommandDeps, outputOf } from "./context.js";
import { makeDecisionsImportCommand } from "./decisions-import.js";
import { renderDecisions } from "./decisions-render.js";

interface FilterOptions {
  ip?: string;
  range?: string;
  scope?: string;
  value?: string;
  type?: string;
  scenario?: string;
  origin?: string;
  contained?: boolean;
}

/** The alert filter keys cscli sends for the shared decision/alert filter flags. */
export function filterQuery(o: FilterOptions): Query {
  const q: Query = {};
  if (o.ip) q.ip = checkIp(o.ip);
  if (o.range) q.range = checkRange(o.range);
  if (o.scope) q.scope = checkScope(o.scope, true);
  if (o.value) q.value = o.value;
  if (o.scenario) q.scenario = o.scenario;
  if (o.origin) q.origin = o.origin;
  // cscli: --contained = "decisions contained by the range", i.e. contains=false.
  if (o.contained) q.contains = "false";
  return q;
}

function list(deps: LapiCommandDeps): Command {
  const cmd = new Command("list")
    .alias("ls")
    .description("List active decisions (from the LAPI's alerts, like cscli)")
    .option("-a, --all", "include decisions from the Central API and blocklists")
    .option("--since <duration>", "only decisions of alerts started within this duration (e.g. 4h)")
    .option("--until <duration>", "only decisions of alerts started before now minus this duration")
    .option("-t, --type <type>", "only this decision type (ban, captcha…)")
    .option("--scope <scope>", "only alerts of this source scope (Ip, Range…)")
    .option("--origin <origin>", "only decisions of this origin (cscli, crowdsec, cscli-import…)")
    .option("-v, --value <value>", "only alerts of this source value")
    .option("-s, --scenario <scenario>", "only decisions from this scenario")
    .option("-i, --ip <ip>", "only decisions applying to this IP")
    .option("-r, --range <range>", "only decisions applying to this range")
    .option("-l, --limit <n>", "number of alerts to get (0 = all)", "100")
    .option("--no-simu", "exclude decisions in simulation mode")
    .option("--contained", "query decisions contained by the range instead of containing it")
    .option("-m, --machine", "also show the machine that sent each alert")
    .action(async (o, command: Command) => {
      const query: Query = {
        has_active_decision: "true",
        include_capi: "false",
        ...filterQuery(o),
        limit: o.limit,
      };
      if (!/^\d+$/.test(o.limit)) throw new CliError(`invalid limit '${o.limit}'`, EXIT.usage);
      if (o.all) {
        query.include_capi = "true";
        query.limit = "0";
      }
      if (o.type) query.decision_type = o.type;
      if (o.since) query.since = checkDuration(o.since, "--since");
      if (o.until) query.until = checkDuration(o.until, "--until");
      if (o.simu === false) query.simulated = "false";
      const alerts = await deps.client.listAlerts(query);
      deps.io.stdout(renderDecisions(alerts, outputOf(command), deps.io.color, o.machine === true));
    });
  return examples(cmd, [
    "rampart decisions list",
    "rampart decisions list -i 1.2.3.4",
    "rampart decisions list -r 1.2.3.0/24 --contained",
    "rampart decisions list -t ban --origin cscli -o json",
  ]);
}

function add(deps: LapiCommandDeps): Command {
  const cmd = new Command("add")
    .description("Add a decision (one alert with one decision, origin cscli)")
    .option("-i, --ip <ip>", "source IP (shorthand for --scope Ip --value <IP>)")
    .option("-r, --range <range>", "source range (shorthand for --scope Range --value <RANGE>)")
    .option("-d, --duration <duration>", "decision duration (Go syntax, e.g. 4h, 30m, 2d)", "4h")
    .option("-v, --value <value>", "the value the decision applies to (with --scope)")
    .option("--scope <scope>", "decision scope (Ip, Range, AS, Country)", "Ip")
    .option("--custom-scope", "send a --scope outside Ip/Range/AS/Country as is (e.g. username)")
    .option("-R, --reason <reason>", "decision reason (default: manual '<type>' from '<login>')")
    .option("-t, --type <type>", "decision type (ban, captcha, throttle…)", "ban")
    .option("--force", "store a range wider than the LAPI's MIN_DECISION_PREFIX (e.g. 0.0.0.0/0)")
    .action(async (o, command: Command) => {
      let scope = checkScope(o.scope, o.customScope === true);
      let value: string | undefined = o.value;
      if (o.ip) [scope, value] = ["Ip", checkIp(o.ip)];
      if (o.range) [scope, value] = ["Range", checkRange(o.range)];
      if (!value)
        throw new CliError(
          "missing arguments: a value is required (--ip, --range or --value)",
          EXIT.usage,
        );
      if (scope === "Ip" && !o.ip) checkIp(value);
      if (scope === "Range" && !o.range) checkRange(value);
      checkDuration(o.duration);
      const login = await deps.client.machineLogin();
      const reason: string = o.reason ?? `manual '${o.type}' from '${login}'`;
      const now = deps
        .now()
        .toISOString()
        .replace(/\.\d+Z$/, "Z");
      // The alert cscli 1.4.6 builds (cmd/crowdsec-cli/decisions.go): capacity 0, leakspeed "0",
      // one event count, message = scenario = reason, source.ip = the value.
      const alert: NewAlert = {
        capacity: 0,
        decisions: [
          { duration: o.duration, origin: "cscli", scenario: reason, scope, type: o.type, value },
        ],
        events: [],
        events_count: 1,
        leakspeed: "0",
        message: reason,
        scenario: reason,
        scenario_hash: "",
        scenario_version: "",
        simulated: false,
        source: { scope, value, ip: value },
        start_at: now,
        stop_at: now,
      };
      await deps.client.addAlerts([alert], { force: o.force === true });
      // cscli 1.4.6 prints nothing on stdout for -o json; the confirmation goes to stderr.
      if (outputOf(command) === "human") deps.io.stdout("Decision successfully added\n");
    });
  return examples(cmd, [
    "rampart decisions add -i 1.2.3.4",
    "rampart decisions add -r 1.2.3.0/24 -d 24h -R 'scanner subnet'",
    "rampart decisions add --scope Country --value CN -t captcha",
  ]);
}

function del(deps: LapiCommandDeps): Command {
  const cmd = new Command("delete")
    .alias("remove")
    .description("Delete (expire) active decisions")
    .option("-i, --ip <ip>", "decisions applying to this IP")
    .option("-r, --range <range>", "decisions applying to this range")
    .option("-t, --type <type>", "decisions of this type")
    .option("--scope <scope>", "decisions of this scope")
    .option("-v, --value <value>", "decisions of this value")
    .option("-s, --scenario <scenario>", "decisions from this scenario")
    .option("--origin <origin>", "decisions of this origin")
    .option("--id <id>", "the decision with this id")
    .option("--all", "every active decision")
    .option("--contained", "decisions contained by the range instead of containing it")
    .action(async (o, command: Command) => {
      let deleted: number;
      if (o.id !== undefined) {
        deleted = await deps.client.deleteDecision(checkId(o.id, "decision id"));
      } else {
        const query: Query = filterQuery(o);
        // DELETE /v1/decisions filters on `scopes` (CrowdSec pkg/database/decisions.go), not
        // cscli's `scope`.
        if (query.scope) {
          query.scopes = query.scope;
          delete query.scope;
        }
        if (o.type) query.type = o.type;
        if (Object.keys(query).length === 0 && !o.all) {
          throw new CliError("at least one filter or --all must be specified", EXIT.usage);
        }
        deleted = await deps.client.deleteDecisions(query);
      }
      if (outputOf(command) === "human") deps.io.stdout(`${deleted} decision(s) deleted\n`);
    });
  return examples(cmd, [
    "rampart decisions delete -i 1.2.3.4",
    "rampart decisions delete --id 42",
    "rampart decisions delete --origin cscli-import",
    "rampart decisions delete --all",
  ]);
}

/** `rampart decisions` with its four verbs. */
export function makeDecisionsCommand(deps: LapiCommandDeps): Command {
  const cmd = new Command("decisions")
    .alias("decision")
    .description("Manage decisions (list, add, delete, import)")
    .addCommand(list(deps))
    .addCommand(add(deps))
    .addCommand(del(deps))
    .addCommand(makeDecisionsImportCommand(deps));
  return examples(cmd, ["rampart decisions list", "rampart decisions add -i 1.2.3.4 -d 1h"]);
}
