import { isAnonymousDocument, nodeConfigSchema } from "./config.js";
import { type CompiledNode, compileNode } from "./node.js";
import type { CompileScope } from "./scope.js";
import { decodeYamlDocuments, describeZodError } from "./yaml-documents.js";

/** One parser or postoverflow file to load. */
export interface ParserSource {
  /** Path for messages and load order: the installed path (`parsers/s01-parse/x.yaml`). */
  path: string;
  /** The stage, from the directory the file is installed in. */
  stage: string;
  content: string;
}

/** Why a document (or a whole file) was not loaded. */
export interface LoadProblem {
  path: string;
  /** 1-based document index in the file; 0 for a file-level problem. */
  document: number;
  name: string;
  kind: "yaml" | "format" | "schema" | "compile";
  reason: string;
}

/** 1.4.6 `cwversion.Constraint_parser`: `>= 1.0, <= 2.0`. */
export const PARSER_FORMAT = { min: 1, max: 2, maxInclusive: true } as const;

/**
 * True when a `format:` value satisfies the constraint. Missing ⇒ "1.0". Compared as versions
 * (major.minor), which also covers YAML floats such as `2.0`.
 */
export function satisfiesFormat(
  format: string,
  constraint: { min: number; max: number; maxInclusive: boolean },
): boolean {
  const text = format === "" ? "1.0" : format;
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(text.trim());
  if (!match) return false;
  const value = Number(match[1]) + Number(match[2] ?? 0) / 1000;
  if (value < constraint.min) return false;
  return constraint.maxInclusive ? value <= constraint.max : value < constraint.max;
}

/**
 * Loads the documents of one parser file, mirroring 1.4.6 `LoadStages`: documents without
 * name/description/author are skipped; a non-matching `format` skips the document; data files are
 * loaded before the node compiles. Unlike CrowdSec (which exits), a broken document is reported
 * and the rest of the file still loads.
 */
export function loadParserSource(
  source: ParserSource,
  scope: CompileScope,
): { nodes: CompiledNode[]; problems: LoadProblem[] } {
  const nodes: CompiledNode[] = [];
  const problems: LoadProblem[] = [];
  let docs: unknown[];
  try {
    docs = decodeYamlDocuments(source.content);
  } catch (error) {
    problems.push({
      path: source.path,
      document: 0,
      name: "",
      kind: "yaml",
      reason: (error as Error).message,
    });
    return { nodes, problems };
  }
  docs.forEach((doc, index) => {
    if (isAnonymousDocument(doc)) return;
    const rawName = String((doc as Record<string, unknown>).name ?? "");
    const problem = (kind: LoadProblem["kind"], reason: string) =>
      problems.push({ path: source.path, document: index + 1, name: rawName, kind, reason });
    const parsed = nodeConfigSchema.safeParse(doc);
    if (!parsed.success) {
      problem("schema", describeZodError(parsed.error));
      return;
    }
    const config = parsed.data;
    if (!satisfiesFormat(config.format, PARSER_FORMAT)) {
      problem("format", `format ${config.format} doesn't satisfy parser format >= 1.0, <= 2.0`);
      return;
    }
    const where = `${source.path}#${index + 1}`;
    try {
      for (const entry of config.data) scope.loadData(entry, where);
      nodes.push(compileNode(config, source.stage, scope, where));
    } catch (error) {
      problem("compile", (error as Error).message);
    }
  });
  return { nodes, problems };
}
