import { parseGoDuration } from "../../shared/duration.js";
import { type IpRange, parseAddress, parseIpOrRange } from "../../shared/ip-range.js";
import { EventType, type PipelineEvent } from "../event.js";
import { compileLeadingGuard, type ExprGuard } from "../expr/index.js";
import { type CompiledGrok, compileGrok, compileNamedGrok } from "../grok/index.js";
import type { NodeConfig } from "./config.js";
import type { CompileScope, ExprEnv, RunnableExpr } from "./scope.js";
import { parseSourceIp } from "./source-ip.js";
import { applyStatics, type CompiledStatic, compileStatics } from "./statics.js";

/** A parser node ready to run: expressions and groks compiled, children compiled recursively. */
export interface CompiledNode {
  name: string;
  stage: string;
  nextStage: boolean;
  debug: boolean;
  filter: RunnableExpr | null;
  /**
   * The filter's leading-comparison pre-test (`compileLeadingGuard`): false means the filter is
   * `false`, so the node fails without running it. Most s01 filters (`evt.Parsed.program ==
   * 'nginx'`, …) reject most lines this way.
   */
  filterGuard: ExprGuard | null;
  grok: {
    regex: CompiledGrok;
    /** `Line.Raw` or a key of `evt.Parsed`; null when `expression` is used. */
    applyOn: string | null;
    expression: RunnableExpr | null;
    statics: CompiledStatic[];
  } | null;
  children: CompiledNode[];
  statics: CompiledStatic[];
  whitelist: {
    reason: string;
    ips: Uint8Array[];
    cidrs: IpRange[];
    expressions: RunnableExpr[];
  } | null;
  stash: { name: string; key: RunnableExpr; value: RunnableExpr }[];
}

/**
 * CrowdSec 1.4.6's per-node counters (`cs_node_hits_total`, `cs_node_hits_ok_total`,
 * `cs_node_hits_ko_total`, labelled by `evt.Line.Src`, `evt.Line.Module` and the node name):
 * `hit` when an event passed the node's filter, then `ok` or `ko` with the node's result. Nodes
 * without a name are not counted; children without one are named `child-<parent>` at compile time.
 * An event aborted by a whitelist-expression error or a static's type error gets neither.
 */
export interface NodeHitCounter {
  hit(name: string, evt: PipelineEvent): void;
  ok(name: string, evt: PipelineEvent): void;
  ko(name: string, evt: PipelineEvent): void;
}

/** Per-run information nodes need: the pipeline's stage list (for `onsuccess: next_stage`). */
export interface RunContext {
  stages: readonly string[];
  stashSet(name: string, key: string, value: string): void;
  /** Set only while a caller counts node hits; the hot path pays one property read otherwise. */
  hits?: NodeHitCounter | undefined;
}

/**
 * Compiles a node the way 1.4.6 `Node.compile` does, in the same order (filter, pattern_syntax,
 * grok, children, statics, whitelist) because `pattern_syntax` entries registered by a parent must
 * exist when its children compile. Throws with the YAML path on any error.
 */
export function compileNode(
  config: NodeConfig,
  stage: string,
  scope: CompileScope,
  where: string,
): CompiledNode {
  if (!["", "continue", "next_stage"].includes(config.onsuccess)) {
    throw new Error(`${where}: onsuccess '${config.onsuccess}' not continue,next_stage`);
  }
  const filter = config.filter ? scope.compileExpr(config.filter, `${where}.filter`) : null;
  for (const [name, pattern] of config.pattern_syntax) {
    if (scope.library.get(name) !== undefined) {
      scope.warn(`${where}.pattern_syntax.${name}: grok '${name}' already registred, ignored`);
      continue;
    }
    try {
      scope.library = scope.library.with({ [name]: pattern });
    } catch (error) {
      throw new Error(`${where}.pattern_syntax.${name}: ${(error as Error).message}`);
    }
  }
  let valid = false;
  let grok: CompiledNode["grok"] = null;
  const g = config.grok;
  if (g && (g.name || g.pattern || g.apply_on || g.expression || g.statics.length > 0)) {
    let regex: CompiledGrok;
    try {
      if (g.name) regex = compileNamedGrok(g.name, scope.library);
      else if (g.pattern) regex = compileGrok(g.pattern.replace(/\n$/, ""), scope.library);
      else throw new Error("grok requires 'name' or 'pattern'");
    } catch (error) {
      throw new Error(`${where}.grok: ${(error as Error).message}`);
    }
    if (!g.apply_on && !g.expression) {
      throw new Error(`${where}.grok: grok requires 'expression' or 'apply_on'`);
    }
    grok = {
      regex,
      applyOn: g.apply_on || null,
      expression:
        !g.apply_on && g.expression
          ? scope.compileExpr(g.expression, `${where}.grok.expression`)
          : null,
      statics: compileStatics(g.statics, scope, `${where}.grok`),
    };
    valid = true;
  }
  const children = config.nodes.map((child, index) => {
    const named = child.name ? child : { ...child, name: `child-${config.name}` };
    const debug = config.debug ? { ...named, debug: true } : named;
    return compileNode(debug, stage, scope, `${where}.nodes[${index}]`);
  });
  if (children.length > 0) valid = true;
  const statics = compileStatics(config.statics, scope, where);
  if (statics.length > 0) valid = true;
  let whitelist: CompiledNode["whitelist"] = null;
  const w = config.whitelist;
  if (w && (w.ip.length > 0 || w.cidr.length > 0 || w.expression.length > 0)) {
    whitelist = {
      reason: w.reason,
      ips: w.ip.flatMap((ip) => {
        const bytes = parseAddress(ip);
        // Go keeps a nil net.IP for an invalid entry; it never equals anything.
        return bytes ? [bytes] : [];
      }),
      cidrs: w.cidr.map((cidr) => {
        const range = cidr.includes("/") ? parseIpOrRange(cidr) : null;
        if (!range)
          throw new Error(`${where}.whitelist.cidr: Unable to parse cidr whitelist '${cidr}'`);
        return range;
      }),
      expressions: w.expression.map((source, index) =>
        scope.compileExpr(source, `${where}.whitelist.expression[${index}]`),
      ),
    };
    valid = true;
  }
  const stash = config.stash.map((entry, index) => {
    const at = `${where}.stash[${index}]`;
    if (!entry.name || !entry.key || !entry.value) {
      throw new Error(`${at}: stash requires name, key and value`);
    }
    const ttl = entry.ttl ? parseGoDuration(entry.ttl) : { ok: true as const, ms: 0 };
    if (!ttl.ok) throw new Error(`${at}.ttl: invalid duration '${entry.ttl}'`);
    scope.stashes.declare(entry.name, entry.size ? Number(entry.size) : 100, ttl.ms);
    return {
      name: entry.name,
      key: scope.compileExpr(entry.key, `${at}.key`),
      value: scope.compileExpr(entry.value, `${at}.value`),
    };
  });
  if (!valid) throw new Error(`${where}: Node is empty`);
  return {
    name: config.name,
    stage,
    nextStage: config.onsuccess === "next_stage",
    debug: config.debug,
    filter,
    filterGuard: filter?.source === undefined ? null : compileLeadingGuard(filter.source),
    grok,
    children,
    statics,
    whitelist,
    stash,
  };
}

/** The event's source IPs for ip/cidr whitelists: `Meta.source_ip` (LOG) or overflow sources. */
function sourceIps(evt: PipelineEvent): (Uint8Array | null)[] {
  if (evt.Type === EventType.LOG) {
    return Object.hasOwn(evt.Meta, "source_ip") ? [parseSourceIp(evt.Meta.source_ip!)] : [];
  }
  if (evt.Type === EventType.OVFLW) return Object.keys(evt.Overflow.Sources).map(parseSourceIp);
  return [];
}

const sameBytes = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((byte, i) => byte === b[i]);

function inRange(ip: Uint8Array, range: IpRange): boolean {
  if (ip.length !== range.size) return false;
  for (let i = 0; i < ip.length; i++) {
    if (ip[i]! < range.start[i]!) return false;
    if (ip[i]! > range.start[i]!) break;
  }
  for (let i = 0; i < ip.length; i++) {
    if (ip[i]! > range.end[i]!) return false;
    if (ip[i]! < range.end[i]!) break;
  }
  return true;
}

const stashText = (value: unknown): string | null =>
  typeof value === "string"
    ? value
    : typeof value === "number" && Number.isInteger(value)
      ? String(value)
      : null;

/**
 * Runs one node on the event: CrowdSec 1.4.6 `Node.process` (pkg/parser/node.go). Returns the
 * node's success. Throws `StaticTypeError` when a static's expression returns an unsupported type,
 * which aborts the event as in CrowdSec.
 */
export function processNode(
  node: CompiledNode,
  evt: PipelineEvent,
  env: ExprEnv,
  run: RunContext,
): boolean {
  let state = true;
  if (node.filter) {
    if (node.filterGuard !== null && !node.filterGuard(env)) return false;
    let output: unknown;
    try {
      output = node.filter.run(env);
    } catch {
      return false;
    }
    if (output !== true) return false;
  }
  const hits = node.name === "" ? undefined : run.hits;
  hits?.hit(node.name, evt);

  let isWhitelisted = false;
  let hasWhitelist = false;
  const wl = node.whitelist;
  if (wl) {
    for (const src of sourceIps(evt)) {
      if (isWhitelisted) break;
      for (const ip of wl.ips) {
        if (src && sameBytes(ip, src)) isWhitelisted = true;
        hasWhitelist = true;
      }
      for (const cidr of wl.cidrs) {
        if (src && inRange(src, cidr)) isWhitelisted = true;
        hasWhitelist = true;
      }
    }
    if (isWhitelisted) evt.Whitelisted = true;
    // 1.4.6 evaluates every whitelist expression, even after an IP hit.
    for (const expression of wl.expressions) {
      let output: unknown;
      try {
        output = expression.run(env);
      } catch {
        return false;
      }
      if (typeof output === "boolean") {
        if (output) {
          evt.Whitelisted = true;
          isWhitelisted = true;
        }
        hasWhitelist = true;
      }
    }
    if (isWhitelisted) {
      evt.WhitelistReason = wl.reason;
      if (evt.Type === EventType.OVFLW) evt.Overflow.Whitelisted = true;
    }
  }

  let hasOkGrok = false;
  const grok = node.grok;
  if (grok) {
    let input = "";
    if (grok.applyOn !== null) {
      if (grok.applyOn === "Line.Raw") input = evt.Line.Raw;
      else if (Object.hasOwn(evt.Parsed, grok.applyOn)) input = evt.Parsed[grok.applyOn]!;
      else state = false;
    } else if (grok.expression) {
      try {
        const output = grok.expression.run(env);
        // 1.4.6 only accepts a string (HEAD also ints/floats); anything else greps "".
        if (typeof output === "string") input = output;
      } catch {
        state = false;
      }
    }
    // As in 1.4.6, the pattern still runs (on "") when the apply_on field is missing.
    const captures = grok.regex.match(input);
    if (captures !== null) {
      hasOkGrok = true;
      // Every semantic is returned ("" when its group did not participate); iterate the known
      // field list rather than for-in over the (dictionary-mode) capture object.
      const fields = grok.regex.fields;
      for (let i = 0; i < fields.length; i++) {
        const field = fields[i]!;
        evt.Parsed[field] = captures[field] ?? "";
      }
      applyStatics(grok.statics, evt, env);
    } else {
      state = false;
    }
  }

  if (node.stash.length > 0 && (hasOkGrok || !grok)) {
    for (const entry of node.stash) {
      let value: string | null;
      let key: string | null;
      try {
        value = stashText(entry.value.run(env));
        key = stashText(entry.key.run(env));
      } catch {
        continue;
      }
      if (value !== null && key !== null) run.stashSet(entry.name, key, value);
    }
  }

  for (const child of node.children) {
    if (processNode(child, evt, env, run)) {
      state = true;
      if (node.nextStage) break;
    } else if (!hasOkGrok) {
      state = false;
    }
  }

  if (!state) {
    hits?.ko(node.name, evt);
    return false;
  }
  hits?.ok(node.name, evt);

  if (node.statics.length > 0 && (!hasWhitelist || isWhitelisted)) {
    applyStatics(node.statics, evt, env);
  }

  if (node.nextStage) {
    const index = run.stages.indexOf(evt.Stage);
    if (index + 1 < run.stages.length) evt.Stage = run.stages[index + 1]!;
  }
  return true;
}
