/**
 * Startup configuration errors that name the file, the line and column, the YAML path and the
 * reason, e.g. `acquis.yaml:7:3: document 2: filenames[0]: expected string, received number`.
 * CrowdSec 1.4.6 fails on the same problems (strict YAML unmarshalling) but only prints the Go
 * type error; we point at the spot.
 */
import {
  type Document,
  isMap,
  isScalar,
  LineCounter,
  parseAllDocuments,
  type Node as YamlNode,
} from "yaml";
import type { ZodError, ZodIssue } from "zod";

/** A configuration problem, formatted for a human at startup or by `rampart-agent -t`. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly yamlPath: string,
    readonly reason: string,
    readonly line: number | null = null,
    readonly column: number | null = null,
    readonly documentIndex: number | null = null,
  ) {
    const where = line === null ? file : `${file}:${line}:${column ?? 1}`;
    const doc = documentIndex === null ? "" : ` document ${documentIndex + 1}:`;
    super(`${where}:${doc} ${yamlPath === "" ? "" : `${yamlPath}: `}${reason}`);
    this.name = "ConfigError";
  }
}

/** `a.b[0].c` from a zod/YAML path. */
export function formatYamlPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out;
}

/** One parsed YAML document with the means to locate a path in its source. */
export interface YamlDocument {
  value: unknown;
  index: number;
  /** Builds a `ConfigError` pointing at `path` (or its closest existing parent). */
  error(path: readonly (string | number)[], reason: string): ConfigError;
  /** The first zod issue as a `ConfigError`. */
  zodError(error: ZodError): ConfigError;
}

/** Parses every document of `text` (YAML syntax errors and duplicate keys throw `ConfigError`). */
export function parseYamlDocuments(text: string, file: string): YamlDocument[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [docs];
  const out: YamlDocument[] = [];
  list.forEach((doc, index) => {
    const first = doc.errors[0];
    if (first) {
      const pos = lineCounter.linePos(first.pos[0]);
      throw new ConfigError(file, "", first.message.split("\n")[0]!, pos.line, pos.col, index);
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return; // an empty document (a trailing `---`)
    const locate = (path: readonly (string | number)[], key: string | null) => {
      const node = nodeAt(doc, path, key);
      const offset = node?.range?.[0];
      return offset === undefined ? null : lineCounter.linePos(offset);
    };
    const error = (
      path: readonly (string | number)[],
      reason: string,
      key: string | null = null,
    ) => {
      const pos = locate(path, key);
      const full = key === null ? path : [...path, key];
      return new ConfigError(
        file,
        formatYamlPath(full),
        reason,
        pos?.line ?? null,
        pos?.col ?? null,
        index,
      );
    };
    out.push({
      value,
      index,
      error: (path, reason) => error(path, reason),
      zodError: (zod) => {
        // A misspelt key also makes the real key "Required": the unknown key is the root cause.
        const issue = zod.issues.find((i) => i.code === "unrecognized_keys") ?? zod.issues[0]!;
        return issueError(issue, error);
      },
    });
  });
  return out;
}

function issueError(
  issue: ZodIssue,
  error: (path: (string | number)[], reason: string, key?: string | null) => ConfigError,
): ConfigError {
  if (issue.code === "unrecognized_keys") {
    return error(
      issue.path,
      `unknown key${issue.keys.length > 1 ? "s" : ""} (not in the schema)`,
      issue.keys[0] ?? null,
    );
  }
  return error(issue.path, issue.message);
}

/** The node at `path`, or at `path`'s key `key`, or the closest existing parent. */
function nodeAt(
  doc: Document,
  path: readonly (string | number)[],
  key: string | null,
): YamlNode | null {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as YamlNode | undefined;
    if (!node || !(typeof node === "object")) continue;
    if (n === path.length && key !== null && isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
      if (pair && isScalar(pair.key)) return pair.key;
    }
    return node;
  }
  return (doc.contents as YamlNode | null) ?? null;
}
