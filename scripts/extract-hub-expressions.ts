/**
 * Lists every distinct expr expression found in a CrowdSec hub directory (parsers, scenarios,
 * postoverflows) and in extra YAML files such as `profiles.yaml`.
 *
 * Usage: `node --import tsx scripts/extract-hub-expressions.ts [hubDir] [extra.yaml ...]`
 * (defaults to the Debian 1.4.6 snapshot under `.cache/crowdsec/root`). Prints one JSON object per
 * distinct expression: `{ expr, uses: [{ file, path }] }`.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parseAllDocuments } from "yaml";

/** One place an expression is written. */
export interface ExpressionUse {
  file: string;
  /** YAML path, e.g. `nodes[1].statics[0].expression`. */
  path: string;
}

/** A distinct expression and every place it appears. */
export interface HubExpression {
  expr: string;
  uses: ExpressionUse[];
}

/** Keys whose string value (or list of strings) is an expr expression in CrowdSec 1.4.6 content. */
const EXPRESSION_KEYS = new Set([
  "filter",
  "filters",
  "expression",
  "groupby",
  "distinct",
  "overflow_filter",
  "cancel_on",
  "duration_expr",
  "condition",
]);

/** Directories of a hub that hold items with expressions. */
const HUB_ITEM_DIRS = ["parsers", "scenarios", "postoverflows"];

/** The Debian CrowdSec 1.4.6 snapshot unpacked by the project's oracle setup. */
export const DEFAULT_HUB_DIR = ".cache/crowdsec/root/usr/share/crowdsec/hub";
/** Config files outside the hub that hold expressions (LAPI profiles). */
export const DEFAULT_EXTRA_FILES = [".cache/crowdsec/root/etc/crowdsec/profiles.yaml"];

function yamlFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...yamlFilesUnder(full));
    else if (/\.ya?ml$/.test(name)) out.push(full);
  }
  return out;
}

function collect(node: unknown, path: string, file: string, found: Map<string, ExpressionUse[]>) {
  if (Array.isArray(node)) {
    node.forEach((item, i) => {
      collect(item, `${path}[${i}]`, file, found);
    });
    return;
  }
  if (node === null || typeof node !== "object") return;
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    const here = path ? `${path}.${key}` : key;
    if (EXPRESSION_KEYS.has(key)) {
      const values = Array.isArray(value) ? value : [value];
      values.forEach((v, i) => {
        if (typeof v !== "string") return;
        const at = Array.isArray(value) ? `${here}[${i}]` : here;
        const uses = found.get(v) ?? [];
        uses.push({ file, path: at });
        found.set(v, uses);
      });
    }
    if (typeof value === "object") collect(value, here, file, found);
  }
}

/** Reads the hub (and the extra files) and returns the distinct expressions in first-seen order. */
export function extractHubExpressions(
  hubDir: string = DEFAULT_HUB_DIR,
  extraFiles: readonly string[] = DEFAULT_EXTRA_FILES,
): HubExpression[] {
  const files = [
    ...HUB_ITEM_DIRS.flatMap((d) => {
      const dir = join(hubDir, d);
      try {
        return yamlFilesUnder(dir);
      } catch {
        return [];
      }
    }),
    ...extraFiles,
  ];
  const found = new Map<string, ExpressionUse[]>();
  for (const file of files) {
    const docs = parseAllDocuments(readFileSync(file, "utf8"));
    const list = Array.isArray(docs) ? docs : [docs];
    list.forEach((doc, i) => {
      const name = relative(hubDir, file).startsWith("..") ? file : relative(hubDir, file);
      collect(doc.toJS(), list.length > 1 ? `doc${i}` : "", name, found);
    });
  }
  return [...found].map(([expr, uses]) => ({ expr, uses }));
}

/** One expression to evaluate with the reference, and the event it sees. */
export interface OracleCase {
  expr: string;
  /** `evt.Line.Raw`; cases without one get a unique placeholder line. */
  raw?: string;
  parsed?: Record<string, string>;
  meta?: Record<string, string>;
  enriched?: Record<string, string>;
  strTime?: string;
  /** `evt.Line.Labels.type` (the `-type` of the replay); default `oracle`. */
  labelsType?: string;
  dataFiles?: Record<string, string[]>;
  regexpFiles?: Record<string, string[]>;
}

/**
 * What the reference made of a case: `Sprintf("%T|%v", x, x)` of the result, its runtime error,
 * or the compile error that made CrowdSec refuse the node (expr's type checker, constant folding).
 */
export type OracleResult = { output: string } | { error: string } | { compileError: string };

/** Paths of the unpacked Debian CrowdSec 1.4.6, relative to the repository root. */
export const CROWDSEC_ROOT = ".cache/crowdsec/root";

/** Quotes a string as an expr double-quoted literal. */
export function exprQuote(s: string): string {
  return `"${s.replace(/[\\"\n\r\t]/g, (c) => ({ "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t" })[c]!)}"`;
}

/** The wrapper the reference evaluates: Go type and `%v` of the result in one string. */
export function goFormatExpr(expr: string): string {
  return `Sprintf("%T|%v", (${expr}), (${expr}))`;
}

function logrusMessages(log: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of log.split("\n")) {
    const msg = /msg="((?:[^"\\]|\\.)*)"/.exec(line);
    const name = /\bname=(case-\d+)/.exec(line);
    if (msg && name && msg[1]!.startsWith("failed to run RunTimeValue : ")) {
      const text = JSON.parse(`"${msg[1]}"`) as string;
      out.set(name[1]!, text.slice("failed to run RunTimeValue : ".length));
    }
  }
  return out;
}

async function startFakeLapi() {
  const { createServer } = await import("node:http");
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      if (req.url?.includes("/watchers/login")) {
        res.end(JSON.stringify({ code: 200, expire: "2099-01-01T00:00:00Z", token: "oracle" }));
      } else res.end("[]");
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return server;
}

/**
 * Evaluates expressions with the reference CrowdSec 1.4.6: each case becomes a node of a local
 * `s00-raw` parser whose statics rebuild the event (`parsed`/`meta`/`enriched`/`StrTime`) and then
 * store `Sprintf("%T|%v", expr, expr)` in `Meta.__r`; the replayed log holds one line per case and
 * `-dump-data` gives the results back. A failing expression leaves `__r` unset and logs the expr
 * error, which is returned instead. Cases sharing a raw line or a label type run in separate
 * passes. A case that Go's type checker rejects makes its whole pass fail to load (thrown).
 */
export async function runExprOracle(
  cases: readonly OracleCase[],
  crowdsecRoot: string = CROWDSEC_ROOT,
): Promise<OracleResult[]> {
  const { execFile } = await import("node:child_process");
  const { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { resolve } = await import("node:path");
  const { parse, stringify } = await import("yaml");
  const root = resolve(crowdsecRoot);
  const hub = join(root, "usr/share/crowdsec/hub");
  const results: OracleResult[] = new Array(cases.length);
  // Group into passes: same label type, distinct raw lines.
  const passes: number[][] = [];
  const passKeys: { type: string; raws: Set<string> }[] = [];
  cases.forEach((c, i) => {
    const raw = c.raw ?? `oracle-case-${i}`;
    const type = c.labelsType ?? "oracle";
    let p = passKeys.findIndex((k) => k.type === type && !k.raws.has(raw));
    if (p === -1) {
      p = passKeys.length;
      passKeys.push({ type, raws: new Set() });
      passes.push([]);
    }
    passKeys[p]!.raws.add(raw);
    passes[p]!.push(i);
  });
  const server = await startFakeLapi();
  try {
    const port = (server.address() as { port: number }).port;
    const runPass = async (p: number, indexes: number[]): Promise<number | null> => {
      const work = mkdtempSync(join(tmpdir(), "rampart-expr-oracle-"));
      try {
        const config = join(work, "config");
        const data = join(work, "data");
        mkdirSync(join(config, "parsers/s00-raw"), { recursive: true });
        mkdirSync(data);
        mkdirSync(join(work, "dump"));
        symlinkSync(join(root, "etc/crowdsec/patterns"), join(config, "patterns"));
        writeFileSync(join(config, "acquis.yaml"), "");
        writeFileSync(join(config, "simulation.yaml"), "simulation: off\n");
        writeFileSync(
          join(config, "local_api_credentials.yaml"),
          `url: http://127.0.0.1:${port}/\nlogin: oracle\npassword: oracle\n`,
        );
        writeFileSync(
          join(config, "config.yaml"),
          stringify({
            common: { daemonize: false, log_media: "stdout", log_level: "warning" },
            config_paths: {
              config_dir: `${config}/`,
              data_dir: `${data}/`,
              hub_dir: `${hub}/`,
              index_path: join(hub, ".index.json"),
              simulation_path: join(config, "simulation.yaml"),
            },
            crowdsec_service: { acquisition_path: join(config, "acquis.yaml"), parser_routines: 1 },
            api: { client: { credentials_path: join(config, "local_api_credentials.yaml") } },
          }),
        );
        const docs: string[] = [];
        const lines: string[] = [];
        for (const i of indexes) {
          const c = cases[i]!;
          const raw = c.raw ?? `oracle-case-${i}`;
          lines.push(raw);
          const statics: Record<string, string>[] = [];
          for (const [k, v] of Object.entries(c.parsed ?? {}))
            statics.push({ parsed: k, value: v });
          for (const [k, v] of Object.entries(c.meta ?? {})) statics.push({ meta: k, value: v });
          for (const [k, v] of Object.entries(c.enriched ?? {})) {
            statics.push({ enriched: k, value: v });
          }
          if (c.strTime !== undefined) statics.push({ target: "evt.StrTime", value: c.strTime });
          statics.push({ meta: "__r", expression: goFormatExpr(c.expr) });
          const files = [
            ...Object.entries(c.dataFiles ?? {}).map(([name, content]) => ({
              name,
              content,
              type: "string",
            })),
            ...Object.entries(c.regexpFiles ?? {}).map(([name, content]) => ({
              name,
              content,
              type: "regexp",
            })),
          ];
          for (const f of files) writeFileSync(join(data, f.name), `${f.content.join("\n")}\n`);
          docs.push(
            stringify(
              {
                name: `case-${i}`,
                filter: `evt.Line.Raw == ${exprQuote(raw)}`,
                ...(files.length
                  ? { data: files.map((f) => ({ dest_file: f.name, type: f.type })) }
                  : {}),
                statics,
              },
              { defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN", lineWidth: 0 },
            ),
          );
        }
        writeFileSync(join(config, "parsers/s00-raw/expr-cases.yaml"), docs.join("---\n"));
        writeFileSync(join(work, "cases.log"), `${lines.join("\n")}\n`);
        // Asynchronous: the fake LAPI answering crowdsec's login runs on this event loop.
        const run = await new Promise<{ ok: boolean; output: string }>((done) => {
          execFile(
            join(root, "usr/bin/crowdsec"),
            [
              ...["-c", join(config, "config.yaml"), "-no-api"],
              ...["-dsn", `file://${join(work, "cases.log")}`, "-type", passKeys[p]!.type],
              ...["-dump-data", join(work, "dump")],
            ],
            { encoding: "utf8", env: { ...process.env, TZ: "UTC" }, timeout: 120_000 },
            (error, stdout, stderr) => done({ ok: !error, output: stdout + stderr }),
          );
        });
        const log = run.output;
        if (!run.ok) {
          const failed = /failed to compile node 'case-(\d+)' in '[^']*' : ((?:[^"\\]|\\.)*)"/.exec(
            log,
          );
          if (failed) {
            const i = Number(failed[1]);
            results[i] = { compileError: (JSON.parse(`"${failed[2]}"`) as string).split("\n")[0]! };
            return i;
          }
          throw new Error(`reference crowdsec failed:\n${log}`.slice(0, 6000));
        }
        const dump = parse(readFileSync(join(work, "dump/parser-dump.yaml"), "utf8"), {
          maxAliasCount: -1,
        }) as Record<
          string,
          Record<
            string,
            { evt: { Line: { Raw: string }; Meta?: Record<string, string> }; success: boolean }[]
          >
        >;
        const errors = logrusMessages(log);
        for (const i of indexes) {
          const raw = cases[i]!.raw ?? `oracle-case-${i}`;
          const entry = dump["s00-raw"]?.[`case-${i}`]?.find(
            (e) => e.success && e.evt.Line.Raw === raw,
          );
          const output = entry?.evt.Meta?.__r;
          if (output !== undefined) results[i] = { output };
          else results[i] = { error: errors.get(`case-${i}`) ?? "no result (node did not run)" };
        }
        return null;
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    };
    for (const [p, all] of passes.entries()) {
      let indexes = all;
      // A node Go refuses to compile stops the whole load: record it and run the rest again.
      for (let rejected = await runPass(p, indexes); rejected !== null; ) {
        const skip = rejected;
        indexes = indexes.filter((i) => i !== skip);
        rejected = indexes.length > 0 ? await runPass(p, indexes) : null;
      }
    }
  } finally {
    server.close();
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [hubDir, ...extra] = process.argv.slice(2);
  const list = extractHubExpressions(hubDir ?? DEFAULT_HUB_DIR, extra.length ? extra : undefined);
  for (const item of list) process.stdout.write(`${JSON.stringify(item)}\n`);
  process.stderr.write(`${list.length} distinct expressions\n`);
}
