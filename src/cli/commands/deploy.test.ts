import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fakeLapi } from "../testing/fake-lapi-client.js";
import { runCli } from "../testing/run-cli.js";
import { makeDeployCommand, PLACEHOLDER_DB_ID, type RunResult } from "./deploy.js";

/** A project dir with wrangler.toml (and a bouncer config when asked). */
function project(bouncer: boolean): string {
  const root = mkdtempSync(join(tmpdir(), "rampart-deploy-test-"));
  writeFileSync(
    join(root, "wrangler.toml"),
    `name = "rampart-lapi"\n[[d1_databases]]\ndatabase_id = "${PLACEHOLDER_DB_ID}"\n`,
  );
  if (bouncer) {
    mkdirSync(join(root, "src/bouncer"), { recursive: true });
    writeFileSync(join(root, "src/bouncer/wrangler.toml"), "");
  }
  return root;
}

function run(
  root: string,
  args: string[],
  answer: (args: string[], input?: string) => RunResult,
  sizes = { raw: 700_000, gzip: 150_000, files: 1 },
) {
  const calls: { args: string[]; input?: string }[] = [];
  const result = runCli(fakeLapi(), ["deploy", ...args], {
    extraCommands: (io) => [
      makeDeployCommand({
        io,
        projectRoot: () => root,
        wrangler: async (a, o) => {
          calls.push({ args: a, input: o.input });
          return answer(a, o.input);
        },
        measure: () => sizes,
      }),
    ],
  });
  return { calls, result };
}

const ok = (stdout = ""): RunResult => ({ code: 0, stdout, stderr: "" });

describe("rampart deploy --dry-run", () => {
  it("bundles both Workers with wrangler's dry run and reports sizes against the limits", async () => {
    const root = project(true);
    const { calls, result } = run(root, ["--dry-run", "--outdir", join(root, "dist")], () => ok());
    const out = await result;
    expect(out.code).toBe(0);
    expect(calls.map((c) => c.args.join(" "))).toEqual([
      `deploy --dry-run --outdir ${join(root, "dist/lapi")}`,
      `deploy --dry-run --outdir ${join(root, "dist/bouncer")} -c src/bouncer/wrangler.toml`,
    ]);
    expect(out.stdout).toMatch(/\| lapi\s+\| 683\.6 KB \| 146\.5 KB \| fits\s+\| fits\s+\|/);
    expect(out.stdout).toContain("Dry run: nothing was deployed.\n");
  });

  it("fails when a bundle exceeds the paid-plan limit, and warns for the free plan", async () => {
    const root = project(false);
    const big = { raw: 30_000_000, gzip: 11 * 1024 * 1024, files: 1 };
    const out = await run(root, ["--dry-run"], () => ok(), big).result;
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/\| lapi\s+\| 28\.61 MB \| 11\.00 MB \| TOO BIG\s+\| TOO BIG\s+\|/);
    expect(out.stderr).toBe(
      "rampart: the lapi bundle (11.00 MB gzipped) exceeds the 10 MB paid-plan limit\n",
    );
  });

  it("reports a wrangler failure in one line", async () => {
    const out = await run(project(false), ["--dry-run"], () => ({
      code: 1,
      stdout: "",
      stderr: '✘ [ERROR] Could not resolve "hono"\n',
    })).result;
    expect(out).toMatchObject({
      code: 1,
      stderr:
        'rampart: wrangler deploy --dry-run (lapi) failed: ✘ [ERROR] Could not resolve "hono"\n',
    });
  });
});

describe("rampart deploy", () => {
  it("creates the database, pins its id, migrates, sets missing secrets and deploys", async () => {
    const root = project(true);
    const id = "11111111-2222-3333-4444-555555555555";
    const { calls, result } = run(root, [], (args) => {
      const cmd = args.join(" ");
      if (cmd === "d1 list --json") return ok("[]");
      if (cmd === "d1 create rampart")
        return ok(
          `[[d1_databases]]\nbinding = "DB"\ndatabase_name = "rampart"\ndatabase_id = "${id}"\n`,
        );
      if (cmd === "secret list --format json")
        return ok('[{"name":"JWT_SECRET","type":"secret_text"}]');
      if (cmd === "deploy")
        return ok("Deployed rampart-lapi triggers\n  https://rampart-lapi.example.workers.dev\n");
      return ok();
    });
    const out = await result;
    expect(out.code).toBe(0);
    expect(calls.map((c) => c.args.join(" "))).toEqual([
      "d1 list --json",
      "d1 create rampart",
      "d1 migrations apply rampart --remote",
      "secret list --format json",
      "secret put ADMIN_TOKEN",
      "deploy",
      "deploy -c src/bouncer/wrangler.toml",
    ]);
    const token = calls.find((c) => c.args.join(" ") === "secret put ADMIN_TOKEN")!.input!;
    expect(token).toMatch(/^[\w-]{43}$/);
    expect(readFileSync(join(root, "wrangler.toml"), "utf8")).toContain(`database_id = "${id}"`);
    expect(out.stdout).toContain("LAPI deployed at https://rampart-lapi.example.workers.dev\n");
    expect(out.stdout).toContain(`Admin token (shown once): ${token}\n`);
  });

  it("reuses an existing database and says when wrangler is not logged in", async () => {
    const root = project(false);
    const reuse = run(root, ["--no-bouncer"], (args) =>
      args.join(" ") === "d1 list --json"
        ? ok('[{"name":"rampart","uuid":"abc"}]')
        : args[0] === "secret"
          ? ok("[]")
          : ok(),
    );
    const out = await reuse.result;
    expect(out.stdout).toContain("D1 database 'rampart' exists (abc)\n");
    expect(reuse.calls.some((c) => c.args[1] === "create")).toBe(false);
    const loggedOut = await run(root, [], () => ({
      code: 1,
      stdout: "",
      stderr: "✘ [ERROR] You are not authenticated. Please run `wrangler login`.",
    })).result;
    expect(loggedOut.stderr).toBe(
      "rampart: wrangler d1 list failed: ✘ [ERROR] You are not authenticated. Please run `wrangler login`.\n",
    );
  });

  it("shows examples in --help", async () => {
    expect((await run(project(false), ["--help"], () => ok()).result).stdout).toContain(
      "Examples:\n  rampart deploy",
    );
  });
});
