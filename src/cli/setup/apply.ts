/**
 * `rampart setup apply`: installs a proposal's collections and parsers through the hub commands'
 * code (`installItems`: sha256-checked downloads of what the hub dir lacks, data files, symlinks
 * under the config dir) and writes the acquisition file. The file is checked with the agent's own
 * `acquis.yaml` parser before it replaces the old one, which is kept as `<file>.bak`.
 */
import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { z } from "zod";
import { parseAcquisition } from "../../../agent/acquisition/acquisition-config.js";
import type { HubIndex, HubItem } from "../../engine/hub/hub-index.js";
import { CliError, EXIT } from "../cli-error.js";
import { closure, findItem } from "../commands/hub.js";
import { type HubPlace, type ItemOutcome, installItems, updateHub } from "../hub/hub-operations.js";
import { readIndex } from "../hub/installed-items.js";
import type { SetupProposal } from "./detect.js";

const labels = z.object({ type: z.string().min(1) }).strict();
const proposalSchema = z
  .object({
    services: z
      .array(z.object({ service: z.string(), evidence: z.array(z.string()) }).strict())
      .default([]),
    collections: z.array(z.string().min(1)).default([]),
    parsers: z.array(z.string().min(1)).default([]),
    acquisition: z.array(
      z.discriminatedUnion("source", [
        z
          .object({
            source: z.literal("file"),
            filenames: z.array(z.string().min(1)).min(1),
            labels,
          })
          .strict(),
        z
          .object({
            source: z.literal("journalctl"),
            journalctl_filter: z.array(z.string().min(1)).min(1),
            labels,
          })
          .strict(),
      ]),
    ),
  })
  .strict();

/** Validates a proposal read from `file` (a `setup detect` output, possibly edited). */
export function parseProposal(value: unknown, file: string): SetupProposal {
  const parsed = proposalSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CliError(
      `${file}: ${issue.path.join(".") || "(root)"}: ${issue.message}`,
      EXIT.usage,
    );
  }
  return parsed.data;
}

/** The `acquis.yaml` text of a proposal: one YAML document per source. */
export function acquisitionText(proposal: SetupProposal): string {
  const header =
    "# Written by `rampart setup apply` from what it detected on this host:\n" +
    proposal.services.map((s) => `#   ${s.service}: ${s.evidence.join(", ")}\n`).join("");
  return header + proposal.acquisition.map((doc) => `---\n${stringify(doc)}`).join("");
}

/** The hub items a proposal enables: each collection with its members, then the parsers. */
export function proposalItems(index: HubIndex, proposal: SetupProposal): HubItem[] {
  const items: HubItem[] = [];
  const add = (item: HubItem) => {
    if (!items.includes(item)) items.push(item);
  };
  for (const name of proposal.collections)
    for (const item of closure(index, findItem(index, name, "collections"))) add(item);
  for (const name of proposal.parsers) add(findItem(index, name, "parsers"));
  return items;
}

/** What `applyProposal` did. */
export interface ApplyResult {
  /** The hub index was missing and was fetched first (`rampart hub update`). */
  updatedIndex: boolean;
  outcomes: ItemOutcome[];
  acquisPath: string;
  /** Where the previous acquisition file was kept (null: there was none, or it was identical). */
  backup: string | null;
}

/** Installs the proposal's items into `place` and writes `acquisPath`. */
export async function applyProposal(
  proposal: SetupProposal,
  place: HubPlace,
  acquisPath: string,
): Promise<ApplyResult> {
  const text = acquisitionText(proposal);
  try {
    parseAcquisition(text, acquisPath);
  } catch (error) {
    throw new CliError(
      `the proposed acquisition is invalid: ${(error as Error).message}`,
      EXIT.usage,
    );
  }
  const updatedIndex = !existsSync(join(place.hubDir, ".index.json"));
  if (updatedIndex) await updateHub(place);
  const index = readIndex(place.hubDir);
  const outcomes = await installItems(place, index, proposalItems(index, proposal), false);
  const tmp = `${acquisPath}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o644 });
  let backup: string | null = null;
  if (existsSync(acquisPath) && readFileSync(acquisPath, "utf8") !== text) {
    backup = `${acquisPath}.bak`;
    copyFileSync(acquisPath, backup);
  }
  renameSync(tmp, acquisPath);
  return { updatedIndex, outcomes, acquisPath, backup };
}
