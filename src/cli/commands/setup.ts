/**
 * `rampart setup detect|apply` — the first-run wizard (current CrowdSec's `cscli setup`): detect
 * the services on the host and propose collections and acquisition (`setup/detect.ts`), then
 * install them through the hub code and write the agent's `acquis.yaml` (`setup/apply.ts`).
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { parse } from "yaml";
import { CliError, EXIT } from "../cli-error.js";
import { type CliIo, json, yaml } from "../output.js";
import { acquisitionText, applyProposal, parseProposal } from "../setup/apply.js";
import { detectServices, type SetupProposal } from "../setup/detect.js";
import { examples, outputOf } from "./context.js";
import { type HubConfig, installLine, placeOf } from "./hub.js";

/** Where the agent's package reads its acquisition (`/etc/rampart/agent.yaml`). */
export const DEFAULT_ACQUIS_PATH = "/etc/rampart/acquis.yaml";

/** Dependencies: output and the hub configuration. */
export interface SetupDeps {
  io: CliIo;
  config: () => HubConfig;
}

interface DetectFlags {
  root: string;
  whitelists: boolean;
}

function readProposalFile(file: string): SetupProposal {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`, EXIT.usage);
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    throw new CliError(
      `${file}: invalid YAML: ${(error as Error).message.split("\n")[0]}`,
      EXIT.usage,
    );
  }
  return parseProposal(value, file);
}

/** `rampart setup`. */
export function makeSetupCommand(deps: SetupDeps): Command {
  const setup = new Command("setup").description(
    "Detect the services on this host, install their collections and write acquis.yaml",
  );
  const detectOptions = (c: Command) =>
    c
      .option("--root <dir>", "the host's root directory (for a mounted image)", "/")
      .option("--no-whitelists", "do not propose the private-range whitelists parser");

  setup.addCommand(
    examples(
      detectOptions(
        new Command("detect").description(
          "Print the proposal (YAML, or JSON with -o json): detected services, collections, acquisition",
        ),
      ).action(function (this: Command, o: DetectFlags) {
        const proposal = detectServices({ root: o.root, whitelists: o.whitelists });
        deps.io.stdout(outputOf(this) === "json" ? json(proposal) : yaml(proposal));
      }),
      ["rampart setup detect > setup.yaml", "rampart setup detect --root /mnt/image -o json"],
    ),
  );

  setup.addCommand(
    examples(
      detectOptions(
        new Command("apply").description(
          "Install the proposal's collections and parsers, then write the acquisition file",
        ),
      )
        .option("-f, --file <setup.yaml>", "a proposal from `setup detect` (default: detect now)")
        .option("--acquis <file>", "acquisition file to write", DEFAULT_ACQUIS_PATH)
        .option("--dry-run", "print the acquisition file instead of installing and writing")
        .action(async (o: DetectFlags & { file?: string; acquis: string; dryRun?: boolean }) => {
          const proposal = o.file
            ? readProposalFile(o.file)
            : detectServices({ root: o.root, whitelists: o.whitelists });
          if (o.dryRun) {
            deps.io.stdout(acquisitionText(proposal));
            return;
          }
          const result = await applyProposal(proposal, placeOf(deps.config()), o.acquis);
          if (result.updatedIndex) deps.io.stdout("hub index fetched (rampart hub update)\n");
          deps.io.stdout(result.outcomes.map(installLine).join(""));
          if (result.backup) deps.io.stdout(`previous acquisition kept as ${result.backup}\n`);
          deps.io.stdout(
            `wrote ${result.acquisPath} (${proposal.acquisition.length} sources)\n` +
              "Next: rampart-agent -c /etc/rampart/agent.yaml -t, then systemctl enable --now rampart-agent\n",
          );
        }),
      [
        "sudo rampart setup apply",
        "rampart setup apply -f setup.yaml --acquis /etc/rampart/acquis.yaml",
        "rampart setup apply --dry-run",
      ],
    ),
  );
  return setup;
}
