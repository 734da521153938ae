/**
 * Command lines that run the `rampart` and `rampart-agent` bins in tests. The package's `bin`
 * entries are the bundles `npm run build` writes to `dist/`; tests run the same entry files
 * from source through tsx's loader instead, so they never run a stale build and need no build
 * step. The loader is named by its resolved URL, so a child started in a temporary directory
 * finds it too.
 */
import { join } from "node:path";
import { repoRoot } from "../oracle/crowdsec-config.js";

const tsxLoader = import.meta.resolve("tsx");

/** How to start one bin: `command` (node) and the `args` before the bin's own arguments. */
export interface BinCommand {
  command: string;
  args: string[];
}

function fromSource(entry: string): BinCommand {
  return { command: process.execPath, args: ["--import", tsxLoader, join(repoRoot(), entry)] };
}

/** `rampart`: the entry bundled into `dist/rampart.mjs`. */
export const rampartCommand = (): BinCommand => fromSource("src/cli/cli-entry.ts");

/** `rampart-agent`: the entry bundled into `dist/rampart-agent.mjs`. */
export const agentCommand = (): BinCommand => fromSource("agent/daemon/bundle-entry.ts");
