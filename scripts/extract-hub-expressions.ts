/**
 * Lists every distinct expr expression found in a CrowdSec hub directory (parsers, scenarios,
 * postoverflows) and in extra YAML files such as `profiles.yaml`.
 *
 * Usage: `node --import tsx scripts/extract-hub-expressions.ts [hubDir] [extra.yaml ...]`
 * (defaults to the Debian 1.4.6 snapshot under `.cache/crowdsec/root`) prints one JSON object per
 * distinct expression: `{ expr, uses: [{ file, path }] }`.
 *
 * `... --write-fixtures [fixturesDir] [hubDir]` regenerates the hub cases of the expr corpus: an
 * event synthesized per expression, and the result the reference CrowdSec 1.4.6 binary computes.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parse, parseAllDocuments } from "yaml";

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

/**
 * Where the Debian CrowdSec 1.4.6 packages are unpacked: `$CROWDSEC_ORACLE_ROOT`, else the
 * project's oracle cache (relative to the repository root), as in `test/oracle/crowdsec-config.ts`.
 */
export const CROWDSEC_ROOT = process.env.CROWDSEC_ORACLE_ROOT || ".cache/crowdsec/root";
/** The Debian CrowdSec 1.4.6 hub snapshot. */
export const DEFAULT_HUB_DIR = `${CROWDSEC_ROOT}/usr/share/crowdsec/hub`;
/** Config files outside the hub that hold expressions (LAPI profiles). */
export const DEFAULT_EXTRA_FILES = [`${CROWDSEC_ROOT}/etc/crowdsec/profiles.yaml`];

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
  /**
   * `compile`: the case is expected not to compile; it runs alone, unwrapped, as a node `filter`
   * (so the reported position is the expression's own).
   */
  mode?: "compile";
}

/**
 * What the reference made of a case: `Sprintf("%T|%v", x, x)` of the result, its runtime error,
 * or the compile error that made CrowdSec refuse the node (expr's type checker, constant folding).
 */
export type OracleResult = { output: string } | { error: string } | { compileError: string };

/** Cases per reference run; the dump grows with cases × lines. */
const ORACLE_PASS_SIZE = 40;

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
  const { stringify } = await import("yaml");
  const root = resolve(crowdsecRoot);
  const hub = join(root, "usr/share/crowdsec/hub");
  const results: OracleResult[] = new Array(cases.length);
  // Group into passes: same label type, distinct raw lines.
  const passes: number[][] = [];
  const passKeys: { type: string; raws: Set<string> }[] = [];
  cases.forEach((c, i) => {
    if (c.mode === "compile") {
      passKeys.push({ type: c.labelsType ?? "oracle", raws: new Set(["isolated"]) });
      passes.push([i]);
      return;
    }
    const raw = c.raw ?? `oracle-case-${i}`;
    const type = c.labelsType ?? "oracle";
    // parser-dump.yaml lists every node for every line: keep passes small (quadratic size).
    let p = passKeys.findIndex(
      (k) =>
        k.type === type &&
        !k.raws.has(raw) &&
        !k.raws.has("isolated") &&
        k.raws.size < ORACLE_PASS_SIZE,
    );
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
          if (c.mode !== "compile") statics.push({ meta: "__r", expression: goFormatExpr(c.expr) });
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
                filter: c.mode === "compile" ? c.expr : `evt.Line.Raw == ${exprQuote(raw)}`,
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
    const runAll = async (p: number) => {
      let indexes = passes[p]!;
      // A node Go refuses to compile stops the whole load: record it and run the rest again.
      for (let rejected = await runPass(p, indexes); rejected !== null; ) {
        const skip = rejected;
        indexes = indexes.filter((i) => i !== skip);
        rejected = indexes.length > 0 ? await runPass(p, indexes) : null;
      }
    };
    // Two reference processes at a time.
    let next = 0;
    const worker = async () => {
      while (next < passes.length) await runAll(next++);
    };
    await Promise.all([worker(), worker()]);
  } finally {
    server.close();
  }
  return results;
}

/**
 * The shape of a corpus case, `test/fixtures/expr/<name>/case.yaml`: an expression (inline
 * `expr`, or `hubExpr` naming a hub file and YAML path), an `env`, and the expected `want` (plus
 * `goFormat`, the reference's `Sprintf("%T|%v")` of the result) or an expected `error`.
 */
export interface ExprCase {
  description?: string;
  expr?: string;
  hubExpr?: { file: string; path: string };
  env?: Record<string, unknown>;
  want?: unknown;
  goFormat?: string;
  error?: string;
  /** With `error`: `compile` when compilation must fail (default: the run fails). */
  phase?: "compile" | "run";
  dataFiles?: Record<string, string[]>;
  regexpFiles?: Record<string, string[]>;
  /** Skip the reference check (Go's static type checker rejects it, or the env can't be fed). */
  oracle?: boolean;
}

/** Loads every case folder, sorted by name. */
export function loadExprCases(dir: string): { name: string; spec: ExprCase }[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, "case.yaml")))
    .map((d) => d.name)
    .sort()
    .map((name) => ({
      name,
      spec: parse(readFileSync(join(dir, name, "case.yaml"), "utf8")) as ExprCase,
    }));
}

/** Realistic values for event fields the hub reads, used when an expression does not pin one. */
const SAMPLE_VALUES: Readonly<Record<string, string>> = {
  source_ip: "192.0.2.10",
  remote_addr: "192.0.2.10",
  client_ip: "192.0.2.10",
  ip: "192.0.2.10",
  target_fqdn: "www.example.org",
  http_path: "/admin/config.php?id=1",
  request: "/admin/config.php?id=1",
  uri: "/admin/config.php?id=1",
  http_verb: "GET",
  verb: "GET",
  method: "GET",
  http_status: "404",
  status: "404",
  http_user_agent: "Mozilla/5.0 (X11; Linux x86_64)",
  user_agent: "Mozilla/5.0 (X11; Linux x86_64)",
  program: "sshd",
  message: "Failed password for invalid user admin from 192.0.2.10 port 40022 ssh2",
  timestamp: "2024-03-01T10:00:00Z",
  user: "admin",
  username: "admin",
  target_user: "admin",
  log_type: "http_access-log",
  service: "http",
  reverse_dns: "crawl-192-0-2-10.example.net",
  file_ext: ".php",
  file_name: "config.php",
  static_ressource: "false",
  month: "Mar",
};

/**
 * Event fields the reference run can set per case (statics, the replayed line) or that are the
 * same for every case (`Line.Module` is `file`). Expressions reading anything else are skipped.
 */
const FEEDABLE_PATHS: readonly (readonly string[])[] = [
  ["Line", "Raw"],
  ["Line", "Module"],
  ["Line", "Labels", "*"],
  ["Parsed", "*"],
  ["Meta", "*"],
  ["Enriched", "*"],
  ["StrTime"],
];

interface Synthesized {
  parsed: Record<string, string>;
  meta: Record<string, string>;
  enriched: Record<string, string>;
  raw?: string;
  strTime?: string;
  labelsType?: string;
}

type AstNode = import("../src/engine/expr/ast.js").Node;

/** `evt.<Map>.<key>` (or `evt.Line.Raw`, …) as a settable location, else null. */
function eventPath(node: AstNode): string[] | null {
  const parts: string[] = [];
  let n: AstNode = node;
  for (;;) {
    if (n.kind === "Property") parts.unshift(n.property);
    else if (n.kind === "Index" && n.index.kind === "String") parts.unshift(n.index.value);
    else if (n.kind === "Identifier" && n.name === "evt") return parts;
    else return null;
    n = n.node;
  }
}

/**
 * Builds an event that makes the expression's comparisons true where it can: `path == 'lit'`,
 * `path in [...]`, `startsWith`/`endsWith`/`contains` literals (also through `Upper`/`Lower`),
 * JSON documents for `JsonExtract(path, 'a.b')` and XML documents for the XML helpers. Returns
 * null for expressions the reference cannot be fed (overflows, methods, `Alert`).
 */
export async function synthesizeEvent(expr: string): Promise<Synthesized | null> {
  const { parse } = await import("../src/engine/expr/parser.js");
  const { children } = await import("../src/engine/expr/ast.js");
  const tree = parse(expr, { maxNodes: 100_000, maxDepth: 1000 });
  const pinned = new Map<string, string>();
  const json = new Map<string, Map<string, string>>();
  const xml = new Map<string, { path: string; attr?: string; value: string }[]>();
  let eligible = true;
  const key = (path: string[]) => path.join(".");
  const settable = (path: string[]) =>
    (path.length === 2 && ["Parsed", "Meta", "Enriched"].includes(path[0]!)) ||
    key(path) === "Line.Raw" ||
    key(path) === "StrTime" ||
    key(path) === "Line.Labels.type";
  // `Upper(path) == 'GET'` is satisfied by `GET` itself.
  const unwrap = (n: AstNode): string[] | null =>
    n.kind === "Function" && (n.name === "Upper" || n.name === "Lower") && n.args.length === 1
      ? unwrap(n.args[0]!)
      : eventPath(n);
  const pin = (n: AstNode, value: string) => {
    if (n.kind === "Function" && n.name === "JsonExtract" && n.args[1]?.kind === "String") {
      const source = eventPath(n.args[0]!);
      if (source && settable(source)) {
        const m = json.get(key(source)) ?? new Map<string, string>();
        if (!m.has(n.args[1].value)) m.set(n.args[1].value, value);
        json.set(key(source), m);
      }
      return;
    }
    const path = unwrap(n);
    if (!path || !settable(path) || pinned.has(key(path))) return;
    pinned.set(key(path), value);
  };
  const visit = (n: AstNode) => {
    if (n.kind === "Method" || (n.kind === "Identifier" && n.name !== "evt")) eligible = false;
    const path = eventPath(n);
    if (
      path &&
      !FEEDABLE_PATHS.some(
        (a) => path.length <= a.length && path.every((p, i) => a[i] === "*" || a[i] === p),
      )
    ) {
      eligible = false;
    }
    if (n.kind === "Binary") {
      const lit = (x: AstNode) => (x.kind === "String" ? x.value : undefined);
      const l = lit(n.left);
      const r = lit(n.right);
      if (n.operator === "==") {
        if (r !== undefined) pin(n.left, r);
        else if (l !== undefined) pin(n.right, l);
      } else if (
        n.operator === "in" &&
        n.right.kind === "Array" &&
        n.right.items[0]?.kind === "String"
      ) {
        pin(n.left, n.right.items[0].value);
      } else if (r !== undefined && n.operator === "startsWith") pin(n.left, `${r}index`);
      else if (r !== undefined && n.operator === "endsWith") pin(n.left, `/var/www/x${r}`);
      else if (r !== undefined && n.operator === "contains") pin(n.left, `pre ${r} post`);
    }
    if (n.kind === "Function" && n.name === "JsonExtract" && n.args[1]?.kind === "String") {
      pin(n, `value-${n.args[1].value.replace(/\W+/g, "-")}`);
    }
    if (
      n.kind === "Function" &&
      (n.name === "XMLGetNodeValue" || n.name === "XMLGetAttributeValue") &&
      n.args[1]?.kind === "String"
    ) {
      const source = eventPath(n.args[0]!);
      if (source && settable(source)) {
        const list = xml.get(key(source)) ?? [];
        const attr =
          n.name === "XMLGetAttributeValue" && n.args[2]?.kind === "String"
            ? n.args[2].value
            : undefined;
        list.push({ path: n.args[1].value, attr, value: `v${list.length + 1}` });
        xml.set(key(source), list);
      }
    }
    for (const c of children(n)) visit(c);
  };
  visit(tree);
  if (!eligible) return null;
  const out: Synthesized = { parsed: {}, meta: {}, enriched: {} };
  const assign = (path: string, value: string) => {
    const [head, name] = path.split(".") as [string, string];
    if (path === "Line.Raw") out.raw = value;
    else if (path === "StrTime") out.strTime = value;
    else if (path === "Line.Labels.type") out.labelsType = value;
    else if (head === "Parsed") out.parsed[name] = value;
    else if (head === "Meta") out.meta[name] = value;
    else if (head === "Enriched") out.enriched[name] = value;
  };
  for (const [path, paths] of json) assign(path, buildJson(paths));
  for (const [path, list] of xml) assign(path, buildXml(list));
  for (const [path, value] of pinned) if (!json.has(path) && !xml.has(path)) assign(path, value);
  // Every other field the expression reads gets a realistic value.
  const reads = new Set<string>();
  const collect = (n: AstNode) => {
    const path = eventPath(n);
    if (path && settable(path)) reads.add(key(path));
    for (const c of children(n)) collect(c);
  };
  collect(tree);
  for (const path of reads) {
    if (pinned.has(path) || json.has(path) || xml.has(path)) continue;
    const name = path.split(".").pop()!;
    if (path === "Line.Labels.type" || path === "Line.Module") continue;
    assign(
      path,
      path === "Line.Raw" ? SAMPLE_VALUES.message! : (SAMPLE_VALUES[name] ?? `sample-${name}`),
    );
  }
  return out;
}

function buildJson(paths: Map<string, string>): string {
  const root: Record<string, unknown> = {};
  for (const [path, value] of paths) {
    const keys = (path.startsWith("[") ? path : path.replaceAll("[", ".[")).split(".");
    let node: Record<string, unknown> | unknown[] = root;
    keys.forEach((k, i) => {
      const last = i === keys.length - 1;
      const index = /^\[(\d+)\]$/.exec(k);
      const next = last ? value : /^\[\d+\]$/.test(keys[i + 1] ?? "") ? [] : {};
      if (index && Array.isArray(node)) {
        const at = Number(index[1]);
        while (node.length < at) node.push(null);
        node[at] ??= next;
        node = node[at] as Record<string, unknown>;
      } else if (!Array.isArray(node)) {
        node[k] ??= next;
        node = node[k] as Record<string, unknown>;
      }
    });
  }
  return JSON.stringify(root);
}

interface XmlNode {
  tag: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

function buildXml(list: { path: string; attr?: string; value: string }[]): string {
  const doc: XmlNode = { tag: "", attrs: {}, children: [], text: "" };
  for (const { path, attr, value } of list) {
    if (!path.startsWith("/") || path.includes("//")) continue;
    let node = doc;
    for (const segment of path.slice(1).split("/")) {
      const m = /^([\w:]+)(?:\[(\d+)\]|\[@(\w+)='([^']*)'\])?$/.exec(segment);
      if (!m) break;
      const [, tag, nth, attrName, attrValue] = m;
      const same = node.children.filter((c) => c.tag === tag);
      let child: XmlNode | undefined;
      if (attrName) child = same.find((c) => c.attrs[attrName] === attrValue);
      else child = same[(nth ? Number(nth) : 1) - 1];
      while (!child) {
        const created: XmlNode = {
          tag: tag!,
          attrs: attrName ? { [attrName]: attrValue! } : {},
          children: [],
          text: "",
        };
        node.children.push(created);
        const now = node.children.filter((c) => c.tag === tag);
        child = attrName ? created : now[(nth ? Number(nth) : 1) - 1];
      }
      node = child;
    }
    if (attr) node.attrs[attr] = value;
    else node.text = value;
  }
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");
  const render = (n: XmlNode): string =>
    `<${n.tag}${Object.entries(n.attrs)
      .map(([k, v]) => ` ${k}="${esc(v)}"`)
      .join("")}>${esc(n.text)}${n.children.map(render).join("")}</${n.tag}>`;
  return doc.children.map(render).join("");
}

/** Parses the reference's `%T|%v` into a plain value when the type is a scalar. */
export function valueFromGoFormat(format: string): { value: unknown } | undefined {
  const bar = format.indexOf("|");
  const type = format.slice(0, bar);
  const text = format.slice(bar + 1);
  if (type === "bool") return { value: text === "true" };
  if (type === "string") return { value: text };
  if (type === "int" || type === "float64") return { value: Number(text) };
  if (type === "<nil>") return { value: null };
  return undefined;
}

/**
 * Writes one fixture folder per eligible hub expression under `dir` (`hub-NNN-<slug>/case.yaml`):
 * the expression is referenced by hub file and YAML path (the hub's text stays out of the
 * repository and is read at test time), the synthesized event, and what the reference computed.
 */
async function writeHubFixtures(dir: string, hubDir: string): Promise<void> {
  const { mkdirSync, writeFileSync } = await import("node:fs");
  const { stringify } = await import("yaml");
  const list = extractHubExpressions(hubDir, []);
  const cases: { item: HubExpression; env: Synthesized }[] = [];
  for (const item of list) {
    const env = await synthesizeEvent(item.expr);
    if (env) cases.push({ item, env: { ...env, raw: env.raw ?? `hub-case-${cases.length}` } });
  }
  const results = await runExprOracle(cases.map(({ item, env }) => ({ expr: item.expr, ...env })));
  let written = 0;
  cases.forEach(({ item, env }, i) => {
    const result = results[i]!;
    if ("compileError" in result) return;
    const use = item.uses[0]!;
    const slug = `${use.file.replace(/^.*\//, "").replace(/\.ya?ml$/, "")}-${use.path}`
      .replace(/[^A-Za-z0-9]+/g, "-")
      .toLowerCase();
    const folder = join(dir, `hub-${String(i).padStart(3, "0")}-${slug}`.slice(0, 90));
    // The event as the reference saw it (acquisition sets Module and the `type` label).
    const evt: Record<string, unknown> = {
      Line: { Raw: env.raw, Module: "file", Labels: { type: env.labelsType ?? "oracle" } },
      Parsed: env.parsed,
      Meta: env.meta,
      Enriched: env.enriched,
    };
    if (env.strTime !== undefined) evt.StrTime = env.strTime;
    const doc: Record<string, unknown> = {
      description: `Hub expression (${item.uses.length} use${item.uses.length > 1 ? "s" : ""}); expected result computed by the CrowdSec 1.4.6 binary for this event.`,
      hubExpr: { file: use.file, path: use.path },
      env: { evt },
    };
    if ("output" in result) {
      const parsed = valueFromGoFormat(result.output);
      if (parsed) doc.want = parsed.value;
      doc.goFormat = result.output;
    } else {
      doc.error = result.error.split(" (")[0];
    }
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, "case.yaml"), stringify(doc, { lineWidth: 0 }));
    written++;
  });
  process.stderr.write(`${written} hub fixtures written to ${dir}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  if (args[0] === "--write-fixtures") {
    await writeHubFixtures(args[1] ?? "test/fixtures/expr", args[2] ?? DEFAULT_HUB_DIR);
  } else {
    const [hubDir, ...extra] = args;
    const list = extractHubExpressions(hubDir ?? DEFAULT_HUB_DIR, extra.length ? extra : undefined);
    for (const item of list) process.stdout.write(`${JSON.stringify(item)}\n`);
    process.stderr.write(`${list.length} distinct expressions\n`);
  }
}
