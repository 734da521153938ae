/**
 * `rampart deploy`: the LAPI Worker (and the edge bouncer Worker when `src/bouncer/wrangler.toml`
 * exists) to Cloudflare with wrangler — D1 database created or reused, migrations applied
 * remotely, secrets set when missing, Workers deployed. `--dry-run` only bundles (wrangler's own
 * `deploy --dry-run --outdir`) and reports the sizes against the 3 MB / 10 MB limits; it needs no
 * Cloudflare account, so CI runs it.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { CliError, EXIT } from "../cli-error.js";
import { formatBytes, measureBundle, WORKER_SIZE_LIMITS } from "../deploy/bundle-size.js";
import { type CliIo, json, table } from "../output.js";
import { examples, outputOf } from "./context.js";

/** Result of one wrangler run. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `wrangler <args>` in `cwd` (stdin from `input`). */
export type WranglerRunner = (
  args: string[],
  options: { cwd: string; input?: string },
) => Promise<RunResult>;

/** Dependencies: the project root (holding wrangler.toml) and how to run wrangler. */
export interface DeployDeps {
  io: CliIo;
  projectRoot: () => string;
  wrangler: WranglerRunner;
  /** Measures a bundle directory (injectable for tests). */
  measure?: typeof measureBundle;
}

/** The placeholder id in the committed wrangler.toml. */
export const PLACEHOLDER_DB_ID = "00000000-0000-0000-0000-000000000000";

interface WorkerTarget {
  name: string;
  /** wrangler `-c` argument relative to the root, if not the root wrangler.toml. */
  config?: string;
}

function targets(root: string, withBouncer: boolean): WorkerTarget[] {
  const out: WorkerTarget[] = [{ name: "lapi" }];
  if (withBouncer && existsSync(join(root, "src/bouncer/wrangler.toml"))) {
    out.push({ name: "bouncer", config: "src/bouncer/wrangler.toml" });
  }
  return out;
}

function lastLines(r: RunResult): string {
  const text = `${r.stderr}\n${r.stdout}`
    .trim()
    .split("\n")
    .filter((l) => l.trim() !== "");
  return (text.at(-1) ?? "").replace(/\u001b\[[0-9;]*m/g, "").trim();
}

/** `rampart deploy`. */
export function makeDeployCommand(deps: DeployDeps): Command {
  const must = async (args: string[], what: string, input?: string) => {
    const r = await deps.wrangler(args, { cwd: deps.projectRoot(), input });
    if (r.code !== 0) throw new CliError(`${what} failed: ${lastLines(r)}`, EXIT.failure);
    return r;
  };

  const dryRun = async (withBouncer: boolean, outdir: string | undefined, command: Command) => {
    const root = deps.projectRoot();
    const base = outdir ?? mkdtempSync(join(tmpdir(), "rampart-deploy-"));
    const rows: {
      worker: string;
      raw: number;
      gzip: number;
      free: boolean;
      paid: boolean;
      outdir: string;
    }[] = [];
    try {
      for (const t of targets(root, withBouncer)) {
        const dir = join(base, t.name);
        await must(
          ["deploy", "--dry-run", "--outdir", dir, ...(t.config ? ["-c", t.config] : [])],
          `wrangler deploy --dry-run (${t.name})`,
        );
        const size = (deps.measure ?? measureBundle)(dir);
        rows.push({
          worker: t.name,
          raw: size.raw,
          gzip: size.gzip,
          free: size.gzip <= WORKER_SIZE_LIMITS.free,
          paid: size.gzip <= WORKER_SIZE_LIMITS.paid,
          outdir: dir,
        });
      }
    } finally {
      if (!outdir) rmSync(base, { recursive: true, force: true });
    }
    if (outputOf(command) === "json")
      deps.io.stdout(json(rows.map((r) => (outdir ? r : { ...r, outdir: undefined }))));
    else {
      deps.io.stdout(
        table(
          ["Worker", "Bundle", "Gzipped", "Free plan (3 MB)", "Paid plan (10 MB)"],
          rows.map((r) => [
            r.worker,
            formatBytes(r.raw),
            formatBytes(r.gzip),
            r.free ? "fits" : "TOO BIG",
            r.paid ? "fits" : "TOO BIG",
          ]),
          deps.io.color,
        ),
      );
      deps.io.stdout("Dry run: nothing was deployed.\n");
    }
    const tooBig = rows.find((r) => !r.paid);
    if (tooBig)
      throw new CliError(
        `the ${tooBig.worker} bundle (${formatBytes(tooBig.gzip)} gzipped) exceeds the 10 MB paid-plan limit`,
      );
  };

  const ensureDatabase = async (name: string): Promise<string> => {
    const listed = await must(["d1", "list", "--json"], "wrangler d1 list");
    let databases: { name: string; uuid: string }[];
    try {
      databases = JSON.parse(listed.stdout) as { name: string; uuid: string }[];
    } catch {
      throw new CliError(
        "wrangler d1 list --json did not print JSON (is wrangler logged in? run `npx wrangler login`)",
      );
    }
    const found = databases.find((d) => d.name === name);
    if (found) {
      deps.io.stdout(`D1 database '${name}' exists (${found.uuid})\n`);
      return found.uuid;
    }
    const created = await must(["d1", "create", name], `wrangler d1 create ${name}`);
    const id = /database_id\s*[=:]\s*"?([0-9a-f-]{36})/.exec(created.stdout)?.[1];
    if (!id) throw new CliError(`wrangler d1 create ${name}: no database id in its output`);
    deps.io.stdout(`D1 database '${name}' created (${id})\n`);
    return id;
  };

  const pinDatabaseId = (id: string) => {
    const file = join(deps.projectRoot(), "wrangler.toml");
    const text = readFileSync(file, "utf8");
    const next = text.replace(/database_id = "[^"]*"/, `database_id = "${id}"`);
    if (next !== text) {
      writeFileSync(file, next);
      deps.io.stdout(`wrangler.toml: database_id set to ${id}\n`);
    }
  };

  const ensureSecrets = async (): Promise<string | undefined> => {
    const listed = await must(["secret", "list", "--format", "json"], "wrangler secret list");
    let names: string[] = [];
    try {
      names = (JSON.parse(listed.stdout) as { name: string }[]).map((s) => s.name);
    } catch {
      names = [];
    }
    let adminToken: string | undefined;
    if (!names.includes("JWT_SECRET")) {
      await must(
        ["secret", "put", "JWT_SECRET"],
        "wrangler secret put JWT_SECRET",
        randomBytes(64).toString("hex"),
      );
      deps.io.stdout("secret JWT_SECRET set\n");
    }
    if (!names.includes("ADMIN_TOKEN")) {
      adminToken = randomBytes(32).toString("base64url");
      await must(["secret", "put", "ADMIN_TOKEN"], "wrangler secret put ADMIN_TOKEN", adminToken);
      deps.io.stdout("secret ADMIN_TOKEN set\n");
    }
    return adminToken;
  };

  const cmd = new Command("deploy")
    .description("Deploy the LAPI (and the edge bouncer) to Cloudflare with wrangler")
    .option(
      "--dry-run",
      "bundle only and report the sizes against the Worker limits (no account needed)",
    )
    .option("--outdir <dir>", "keep the dry-run bundles in this directory")
    .option("--database <name>", "D1 database name", "rampart")
    .option("--no-bouncer", "deploy the LAPI only")
    .action(async (o, command: Command) => {
      if (!existsSync(join(deps.projectRoot(), "wrangler.toml"))) {
        throw new CliError(
          `no wrangler.toml in ${deps.projectRoot()} (run from the Rampart checkout)`,
          EXIT.usage,
        );
      }
      if (o.dryRun) {
        await dryRun(o.bouncer !== false, o.outdir, command);
        return;
      }
      const id = await ensureDatabase(o.database);
      pinDatabaseId(id);
      await must(
        ["d1", "migrations", "apply", o.database, "--remote"],
        "wrangler d1 migrations apply --remote",
      );
      deps.io.stdout("migrations applied\n");
      const adminToken = await ensureSecrets();
      const deployed = await must(["deploy"], "wrangler deploy (lapi)");
      const url = /https:\/\/\S+\.workers\.dev/.exec(deployed.stdout)?.[0];
      deps.io.stdout(`LAPI deployed${url ? ` at ${url}` : ""}\n`);
      for (const t of targets(deps.projectRoot(), o.bouncer !== false).filter((x) => x.config)) {
        await must(["deploy", "-c", t.config!], `wrangler deploy (${t.name})`);
        deps.io.stdout(
          `${t.name} deployed (configure its LAPI URL and key: see docs/bouncer.md)\n`,
        );
      }
      if (adminToken) {
        deps.io.stdout(
          `\nAdmin token (shown once): ${adminToken}\nUse it with: RAMPART_URL=${url ?? "<worker url>"} RAMPART_ADMIN_TOKEN=<token> rampart machines list\n`,
        );
      }
    });
  return examples(cmd, [
    "rampart deploy --dry-run",
    "rampart deploy --dry-run --outdir dist -o json",
    "npx wrangler login && rampart deploy",
  ]);
}
