import { isMap, isScalar, isSeq, type Node, parseAllDocuments } from "yaml";
import { z } from "zod";

/**
 * Decodes a multi-document YAML file the way CrowdSec's go-yaml v2 sees it: YAML 1.1 rules, and
 * every scalar kept as its **source text** (go-yaml stores the literal text of `value: 22` or
 * `format: 2.0` into a string field; only bool/int fields resolve it). Null scalars (`~`, empty)
 * become `null`. Duplicate keys are errors, as in go-yaml. Empty documents are returned as `null`.
 */
export function decodeYamlDocuments(text: string): unknown[] {
  const docs = parseAllDocuments(text, { version: "1.1", uniqueKeys: true });
  if (!Array.isArray(docs)) {
    // parseAllDocuments returns an EmptyStream for a file with no documents.
    return [];
  }
  return docs.map((doc, index) => {
    const error = doc.errors[0];
    if (error) throw new Error(`YAML document ${index + 1}: ${error.message}`);
    return toPlain(doc.contents);
  });
}

function toPlain(node: Node | null | unknown): unknown {
  if (node === null || node === undefined) return null;
  if (isScalar(node)) {
    if (node.value === null) return null;
    if (typeof node.value === "string") return node.value;
    return node.source ?? String(node.value);
  }
  if (isSeq(node)) return node.items.map((item) => toPlain(item));
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = toPlain(pair.key);
      out[String(key)] = toPlain(pair.value);
    }
    return out;
  }
  return null;
}

/** go-yaml v2 (YAML 1.1) words for true and false. */
export const TRUE_WORDS: ReadonlySet<string> = new Set([
  "y",
  "Y",
  "yes",
  "Yes",
  "YES",
  "true",
  "True",
  "TRUE",
  "on",
  "On",
  "ON",
]);
export const FALSE_WORDS: ReadonlySet<string> = new Set([
  "n",
  "N",
  "no",
  "No",
  "NO",
  "false",
  "False",
  "FALSE",
  "off",
  "Off",
  "OFF",
]);

/** A go-yaml v2 bool field (YAML 1.1 words); absent/null ⇒ false. */
export const yamlBool = z
  .union([z.string(), z.boolean(), z.null()])
  .optional()
  .transform((value, ctx) => {
    if (value === undefined || value === null) return false;
    if (typeof value === "boolean") return value;
    if (TRUE_WORDS.has(value)) return true;
    if (FALSE_WORDS.has(value)) return false;
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `cannot unmarshal ${value} into bool` });
    return z.NEVER;
  });

/** A go-yaml string field: any scalar text; null ⇒ "". Maps or lists are errors. */
export const yamlString = z
  .union([z.string(), z.null()])
  .optional()
  .transform((value) => value ?? "");

/** A go-yaml `[]string` field; null ⇒ []. */
export const yamlStringList = z
  .union([z.array(z.union([z.string(), z.null()])), z.null()])
  .optional()
  .transform((value) => (value ?? []).map((item) => item ?? ""));

/** Renders the first zod issue as `path: message`, the way config errors name the YAML path. */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid document";
  const path = issue.path.join(".");
  return path ? `${path}: ${issue.message}` : issue.message;
}
