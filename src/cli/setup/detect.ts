/**
 * `rampart setup detect`: finds the services of `service-table.ts` on a host (under `root`, `/`
 * on a real host, a fixture directory in tests) and proposes collections and acquisition entries.
 * Evidence, in the order it is reported: installed systemd unit files, running processes
 * (`<root>/proc/<pid>/comm`), existing log files. Paths in the proposal are host paths (without
 * `root`).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { goGlob } from "../../../agent/acquisition/go-glob.js";
import {
  BASE_COLLECTIONS,
  SERVICES,
  type ServiceRow,
  SYSLOG_FILES,
  UNIT_DIRS,
  WHITELIST_PARSERS,
} from "./service-table.js";

/** One acquisition document as `acquis.yaml` holds it. */
export type ProposedSource =
  | { source: "file"; filenames: string[]; labels: { type: string } }
  | { source: "journalctl"; journalctl_filter: string[]; labels: { type: string } };

/** What `setup detect` found and proposes (`setup.yaml`; `setup apply` reads it back). */
export interface SetupProposal {
  /** Each detected service and why (`unit ssh.service`, `process sshd`, `log /var/log/auth.log`). */
  services: { service: string; evidence: string[] }[];
  collections: string[];
  parsers: string[];
  acquisition: ProposedSource[];
}

/** Options of {@link detectServices}. */
export interface DetectOptions {
  /** The host's root directory (default `/`). */
  root?: string;
  /** Propose the private-range whitelists parser (default true). */
  whitelists?: boolean;
}

function runningProcesses(root: string): Set<string> {
  const names = new Set<string>();
  const proc = join(root, "proc");
  let entries: string[];
  try {
    entries = readdirSync(proc);
  } catch {
    return names;
  }
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      names.add(readFileSync(join(proc, pid, "comm"), "utf8").trim());
    } catch {
      // The process exited between readdir and read.
    }
  }
  return names;
}

/** Host paths matching `glob` under `root`, sorted. */
function existing(root: string, glob: string): string[] {
  const prefix = root === "/" ? "" : root.replace(/\/+$/, "");
  return goGlob(`${prefix}${glob}`)
    .map((p) => p.slice(prefix.length))
    .sort();
}

function installedUnits(root: string, row: ServiceRow): string[] {
  return row.units.filter((unit) => UNIT_DIRS.some((dir) => existsSync(join(root, dir, unit))));
}

/** Detects the services on the host under `options.root` and returns the proposal. */
export function detectServices(options: DetectOptions = {}): SetupProposal {
  const root = options.root ?? "/";
  const processes = runningProcesses(root);
  const proposal: SetupProposal = {
    services: [],
    collections: [...BASE_COLLECTIONS],
    parsers: options.whitelists === false ? [] : [...WHITELIST_PARSERS],
    acquisition: [],
  };
  const syslog = SYSLOG_FILES.filter((file) => existing(root, file).length > 0);
  if (syslog.length > 0)
    proposal.acquisition.push({ source: "file", filenames: syslog, labels: { type: "syslog" } });

  for (const row of SERVICES) {
    const units = installedUnits(root, row);
    const running = row.processes.filter((name) => processes.has(name));
    const logs = row.logs.filter((glob) => existing(root, glob).length > 0);
    const evidence = [
      ...units.map((u) => `unit ${u}`),
      ...running.map((p) => `process ${p}`),
      ...logs.flatMap((glob) => existing(root, glob).map((file) => `log ${file}`)),
    ];
    if (evidence.length === 0) continue;
    proposal.services.push({ service: row.service, evidence });
    for (const c of row.collections)
      if (!proposal.collections.includes(c)) proposal.collections.push(c);
    const type = { type: row.type };
    if (logs.length > 0) {
      proposal.acquisition.push({ source: "file", filenames: logs, labels: type });
    } else if (row.journald !== null && units.length > 0) {
      // The filter of the unit that is installed (ssh.service on Debian, sshd.service elsewhere).
      const filters = row.journald.filter((f) => units.some((u) => f.endsWith(`=${u}`)));
      proposal.acquisition.push({
        source: "journalctl",
        journalctl_filter: filters.length > 0 ? filters : [...row.journald],
        labels: type,
      });
    } else {
      // Found by its unit or process, no log yet: tail the usual places (read once they appear).
      proposal.acquisition.push({ source: "file", filenames: [...row.logs], labels: type });
    }
  }
  return proposal;
}
