/**
 * `rampart hub update|list|install|remove|upgrade|inspect` and cscli's per-type commands
 * (`rampart collections install crowdsecurity/nginx`): the index and items come from the hub CDN
 * (`hub/hub-remote.ts`, sha256-checked) into the hub dir, and enabled items are symlinked under
 * the config dir the way cscli lays them out, so a CrowdSec agent and Rampart's agent read the
 * same tree. A hub dir that already holds the files (a local snapshot) needs no network.
 */
import { Command, Option } from "commander";
import { type InstalledFile, scanInstalled } from "../../../agent/hub/installed-items.js";
import {
  APPSEC_ITEM_TYPES,
  HUB_ITEM_TYPES,
  type HubIndex,
  type HubItem,
  type HubItemType,
  installedPath,
  resolveCollections,
} from "../../engine/hub/hub-index.js";
import { CliError, EXIT } from "../cli-error.js";
import { type CliConfig, DEFAULTS } from "../config.js";
import { type HubPlace, type ItemOutcome, installItems, updateHub } from "../hub/hub-operations.js";
import { hubRemoteOf } from "../hub/hub-remote.js";
import { disableItem, readIndex } from "../hub/installed-items.js";
import { type CliIo, csv, json, table } from "../output.js";
import { examples, outputOf } from "./context.js";

/** The configuration the hub commands read (the remote and data/patterns dirs have defaults). */
export type HubConfig = Pick<CliConfig, "configDir" | "hubDir"> &
  Partial<
    Pick<
      CliConfig,
      "dataDir" | "patternsDir" | "hubUrl" | "hubBranch" | "hubDataUrl" | "patternsUrl"
    >
  >;

/** Dependencies: the hub and config directories, and where the remote hub is. */
export interface HubDeps {
  io: CliIo;
  config: () => HubConfig;
}

/** The directories and remote of the hub commands for `c` (defaults filled in). */
export function placeOf(c: HubConfig): HubPlace {
  return {
    configDir: c.configDir,
    hubDir: c.hubDir,
    dataDir: c.dataDir ?? DEFAULTS.dataDir,
    patternsDir: c.patternsDir ?? `${c.configDir}/patterns`,
    remote: hubRemoteOf({
      hubUrl: c.hubUrl ?? DEFAULTS.hubUrl,
      hubBranch: c.hubBranch ?? DEFAULTS.hubBranch,
      hubDataUrl: c.hubDataUrl,
      patternsUrl: c.patternsUrl ?? DEFAULTS.patternsUrl,
    }),
  };
}

const STATUS: Record<InstalledFile["state"] | "disabled", string> = {
  enabled: "✔️  enabled",
  outdated: "⚠️  enabled,update-available",
  local: "🏠 local",
  tainted: "⚠️  enabled,tainted",
  broken: "💀 broken",
  disabled: "disabled",
};

const APPSEC_NOTE = "AppSec items are not supported by Rampart";

/** The AppSec kind of `name` when the index lists it only as an AppSec item. */
function appsecKind(index: HubIndex, name: string, type?: HubItemType): string | undefined {
  if (type) return undefined;
  if (HUB_ITEM_TYPES.some((t) => index[t].has(name))) return undefined;
  return index.appsec?.get(name);
}

/** Finds `name` in the index (in `type` if given); ambiguous names need `--type`. */
export function findItem(index: HubIndex, name: string, type?: HubItemType): HubItem {
  const types = type ? [type] : HUB_ITEM_TYPES;
  const hits = types.map((t) => index[t].get(name)).filter((i): i is HubItem => i !== undefined);
  if (hits.length === 0)
    throw new CliError(`'${name}' is not in the hub index${type ? ` (${type})` : ""}`, EXIT.usage);
  if (hits.length > 1) {
    throw new CliError(
      `'${name}' is a ${hits.map((h) => h.type).join(" and a ")}: add --type`,
      EXIT.usage,
    );
  }
  return hits[0]!;
}

/** The items installing `item` enables: itself, plus members for a collection. */
export function closure(index: HubIndex, item: HubItem): HubItem[] {
  if (item.type !== "collections") return [item];
  const r = resolveCollections(index, [item.name]);
  if (r.missing.length > 0) {
    const m = r.missing[0]!;
    throw new CliError(
      `${m.requiredBy} needs ${m.type} ${m.name}, which the hub index does not list`,
      EXIT.failure,
    );
  }
  return [...r.collections, ...r.parsers, ...r.postoverflows, ...r.scenarios, ...r.contexts];
}

/** AppSec members anywhere in a closure, one note line each. */
function appsecNotes(items: readonly HubItem[]): string[] {
  return items.flatMap((i) =>
    (i.appsecMembers ?? []).map((m) => `skipped: ${m.type} ${m.name} (${APPSEC_NOTE})\n`),
  );
}

/** One outcome as the install commands print it (`enabled: collections crowdsecurity/sshd`). */
export function installLine(o: ItemOutcome): string {
  const what = `${o.item.type} ${o.item.name}`;
  if (o.skipped) return `skipped: ${what} ${o.skipped}\n`;
  let out = o.downloaded ? `downloaded: ${what} (${o.item.version})\n` : "";
  out += `${o.enabled === "already" ? "already enabled" : "enabled"}: ${what}\n`;
  return out;
}

interface Row {
  type: HubItemType;
  name: string;
  status: string;
  version: string;
  local_path: string;
}

function rows(
  index: HubIndex,
  installed: InstalledFile[],
  all: boolean,
  only?: HubItemType,
): Row[] {
  const out: Row[] = [];
  for (const type of only ? [only] : HUB_ITEM_TYPES) {
    const files = installed.filter((f) => f.type === type);
    for (const f of files) {
      out.push({
        type,
        name: f.item?.name ?? f.path,
        status: STATUS[f.state],
        version: f.item?.version ?? "",
        local_path: f.path,
      });
    }
    if (!all) continue;
    const seen = new Set(files.map((f) => f.item?.name));
    for (const item of [...index[type].values()].sort((a, b) => a.name.localeCompare(b.name))) {
      if (!seen.has(item.name))
        out.push({
          type,
          name: item.name,
          status: STATUS.disabled,
          version: item.version,
          local_path: "",
        });
    }
  }
  return out;
}

const anyTypeOption = () => new Option("-t, --type <type>", "item type").choices(HUB_ITEM_TYPES);

/** `rampart hub`. */
function makeHubVerbs(deps: HubDeps, fixed?: HubItemType): Command[] {
  const dirs = () => deps.config();
  const typeOf = (o: { type?: HubItemType }): HubItemType | undefined => fixed ?? o.type;
  const typeOption = () =>
    fixed ? new Option("-t, --type <type>").hideHelp().default(fixed) : anyTypeOption();

  const list = examples(
    new Command("list")
      .alias("ls")
      .description("List enabled hub items (with -a, every item of the hub)")
      .option("-a, --all", "also list items that are not enabled")
      .addOption(typeOption())
      .action((o, command: Command) => {
        const { configDir, hubDir } = dirs();
        const index = readIndex(hubDir);
        const found = rows(
          index,
          scanInstalled(configDir, hubDir, index),
          o.all === true,
          typeOf(o),
        );
        const format = outputOf(command);
        if (format === "json") {
          const grouped: Record<string, Omit<Row, "type">[]> = {};
          for (const type of typeOf(o) ? [typeOf(o)!] : HUB_ITEM_TYPES) grouped[type] = [];
          for (const { type, ...rest } of found) grouped[type]!.push(rest);
          deps.io.stdout(json(grouped));
          return;
        }
        if (format === "raw") {
          deps.io.stdout(
            csv(
              ["type", "name", "status", "version", "local_path"],
              found.map((r) => [
                r.type,
                r.name,
                r.status.replace(/^\S+\s+/, ""),
                r.version,
                r.local_path,
              ]),
            ),
          );
          return;
        }
        let out = "";
        for (const type of typeOf(o) ? [typeOf(o)!] : HUB_ITEM_TYPES) {
          const mine = found.filter((r) => r.type === type);
          out += `${type.toUpperCase()}\n`;
          out +=
            mine.length === 0
              ? "  (none)\n"
              : table(
                  ["Name", "📦 Status", "Version", "Local Path"],
                  mine.map((r) => [r.name, r.status, r.version, r.local_path]),
                  deps.io.color,
                );
        }
        deps.io.stdout(out);
      }),
    [
      "rampart hub list",
      "rampart hub list -a -t scenarios",
      "RAMPART_CONFIG_DIR=./etc rampart hub list -o json",
    ],
  );

  const install = examples(
    new Command("install")
      .description("Enable hub items (collections with all their members)")
      .argument("<name...>", "item names, e.g. crowdsecurity/sshd")
      .addOption(typeOption())
      .option("--force", "replace tainted (edited) copies and re-fetch data files")
      .action(async (names: string[], o) => {
        const place = placeOf(dirs());
        const index = readIndex(place.hubDir);
        for (const name of names) {
          const appsec = appsecKind(index, name, typeOf(o));
          if (appsec) {
            deps.io.stdout(`skipped: ${appsec} ${name} (${APPSEC_NOTE})\n`);
            continue;
          }
          const items = closure(index, findItem(index, name, typeOf(o)));
          const outcomes = await installItems(place, index, items, o.force === true);
          deps.io.stdout(outcomes.map(installLine).join("") + appsecNotes(items).join(""));
        }
        deps.io.stdout("Reload the agent for the new items to be used.\n");
      }),
    [
      "rampart hub install crowdsecurity/linux crowdsecurity/sshd",
      "rampart collections install crowdsecurity/nginx",
      "rampart hub install crowdsecurity/whitelists -t parsers",
    ],
  );

  const remove = examples(
    new Command("remove")
      .description(
        "Disable hub items (a collection's members too, unless another enabled collection needs them)",
      )
      .argument("<name...>", "item names")
      .addOption(typeOption())
      .option(
        "--force",
        "also remove tainted (locally edited) copies, and a named item an enabled collection needs",
      )
      .action((names: string[], o) => {
        const { configDir, hubDir } = dirs();
        const index = readIndex(hubDir);
        for (const name of names) {
          const appsec = appsecKind(index, name, typeOf(o));
          if (appsec) {
            deps.io.stdout(`skipped: ${appsec} ${name} (${APPSEC_NOTE})\n`);
            continue;
          }
          const item = findItem(index, name, typeOf(o));
          const targets = closure(index, item);
          const installed = scanInstalled(configDir, hubDir, index);
          // Members still required by another enabled collection stay.
          const keep = new Set<HubItem>();
          for (const f of installed) {
            if (f.type !== "collections" || !f.item || targets.includes(f.item)) continue;
            for (const member of closure(index, f.item)) keep.add(member);
          }
          for (const t of targets) {
            // cscli refuses to remove a named item a collection needs unless --force.
            if (keep.has(t) && !(t === item && o.force === true)) {
              const hint = t === item ? "; use --force" : "";
              deps.io.stdout(`kept: ${t.type} ${t.name} (needed by another collection${hint})\n`);
              continue;
            }
            const file = installed.find((f) => f.item === t);
            if (file?.state === "tainted" && o.force !== true) {
              deps.io.stdout(`skipped: ${t.type} ${t.name} is tainted (use --force)\n`);
              continue;
            }
            deps.io.stdout(
              `${disableItem(configDir, t) ? "disabled" : "not enabled"}: ${t.type} ${t.name}\n`,
            );
          }
        }
      }),
    [
      "rampart hub remove crowdsecurity/sshd",
      "rampart hub remove crowdsecurity/ssh-bf -t scenarios",
    ],
  );

  const upgrade = examples(
    new Command("upgrade")
      .description(
        "Bring enabled items to the index's latest version: download newer versions (sha256-checked), enable new collection members, re-link broken items, replace tainted copies with --force",
      )
      .argument("[name...]", "items to upgrade (default: every enabled item)")
      .addOption(typeOption())
      .option("--force", "also replace tainted (locally edited) copies")
      .action(async (names: string[], o) => {
        const place = placeOf(dirs());
        const index = readIndex(place.hubDir);
        const installed = scanInstalled(place.configDir, place.hubDir, index);
        const chosen =
          names.length > 0
            ? names.map((n) => findItem(index, n, typeOf(o)))
            : installed.flatMap((f) =>
                f.item && (!typeOf(o) || f.type === typeOf(o)) ? [f.item] : [],
              );
        const items = [...new Set(chosen.flatMap((item) => closure(index, item)))];
        const outcomes = await installItems(place, index, items, o.force === true);
        let changed = 0;
        for (const outcome of outcomes) {
          const { type, name, version } = outcome.item;
          if (outcome.skipped) {
            deps.io.stdout(`skipped: ${type} ${name} ${outcome.skipped}\n`);
          } else if (outcome.downloaded || outcome.enabled !== "already") {
            changed++;
            const from = outcome.downloaded?.from;
            deps.io.stdout(
              `upgraded: ${type} ${name} ${from && from !== "?" ? `${from} ` : ""}→ ${version}\n`,
            );
          }
        }
        deps.io.stdout(
          appsecNotes(items).join("") +
            (changed === 0 ? "All items are up to date.\n" : `${changed} item(s) upgraded.\n`),
        );
      }),
    ["rampart hub upgrade", "rampart hub upgrade crowdsecurity/sshd --force"],
  );

  const inspect = examples(
    new Command("inspect")
      .description("Show a hub item: path, version, members, and whether it is enabled")
      .argument("<name>", "item name")
      .addOption(typeOption())
      .action((name: string, o, command: Command) => {
        const { configDir, hubDir } = dirs();
        const index = readIndex(hubDir);
        const item = findItem(index, name, typeOf(o));
        const file = scanInstalled(configDir, hubDir, index).find((f) => f.item === item);
        const members = Object.fromEntries(
          Object.entries(item.members).filter(([, v]) => v.length > 0),
        );
        const info = {
          type: item.type,
          name: item.name,
          version: item.version,
          path: item.path,
          ...(item.stage ? { stage: item.stage } : {}),
          status: file ? file.state : "disabled",
          ...(file?.localVersion ? { local_version: file.localVersion } : {}),
          local_path: file ? file.path : installedPath(item),
          ...(Object.keys(members).length > 0 ? { members } : {}),
        };
        if (outputOf(command) === "json") {
          deps.io.stdout(json(info));
          return;
        }
        let out = "";
        for (const [k, v] of Object.entries(info)) {
          if (k === "members") continue;
          out += `${k}: ${v}\n`;
        }
        for (const [type, list] of Object.entries(members)) {
          out += `${type}:\n${list.map((m) => `  - ${m}\n`).join("")}`;
        }
        deps.io.stdout(out);
      }),
    ["rampart hub inspect crowdsecurity/sshd", "rampart hub inspect crowdsecurity/ssh-bf -o json"],
  );

  return [list, install, remove, upgrade, inspect];
}

/** `rampart hub update`. */
function makeUpdateCommand(deps: HubDeps): Command {
  return examples(
    new Command("update")
      .description(
        "Fetch the hub index (<hub_url>/<hub_branch>/.index.json) into the hub dir, and CrowdSec's grok patterns into the patterns dir",
      )
      .action(async () => {
        const place = placeOf(deps.config());
        const result = await updateHub(place);
        const counts = HUB_ITEM_TYPES.map((t) => `${result.index[t].size} ${t}`).join(", ");
        deps.io.stdout(
          `Downloaded ${place.hubDir}/.index.json (${result.indexBytes} bytes: ${counts})\n` +
            `Downloaded ${result.patterns} pattern files into ${place.patternsDir}\n`,
        );
      }),
    [
      "rampart hub update",
      "RAMPART_HUB_URL=http://mirror.example/hub/ RAMPART_HUB_BRANCH=master rampart hub update",
    ],
  );
}

/** `rampart hub` (every item type, `--type` to narrow). */
export function makeHubCommand(deps: HubDeps): Command {
  const hub = new Command("hub").description(
    "Manage hub items: update the index from the hub CDN, list, install, remove, upgrade, inspect",
  );
  hub.addCommand(makeUpdateCommand(deps));
  for (const verb of makeHubVerbs(deps)) hub.addCommand(verb);
  return hub;
}

/** cscli's per-type commands: `rampart parsers list`, `rampart collections install …`. */
export function makeHubTypeCommands(deps: HubDeps): Command[] {
  return HUB_ITEM_TYPES.map((type) => {
    const cmd = new Command(type).description(
      `Manage ${type} (same as \`rampart hub … -t ${type}\`)`,
    );
    for (const verb of makeHubVerbs(deps, type)) cmd.addCommand(verb);
    return cmd;
  }).concat(
    APPSEC_ITEM_TYPES.map((type) =>
      new Command(type)
        .description(`Recognised and skipped: ${APPSEC_NOTE}`)
        .argument("[args...]")
        .allowUnknownOption()
        .action(() => {
          deps.io.stdout(`skipped: ${type} (${APPSEC_NOTE})\n`);
        }),
    ),
  );
}
