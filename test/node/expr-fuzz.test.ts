/**
 * Differential fuzzing against the reference: random, well-typed expressions (so that Go's static
 * checker accepts nearly all of them) are evaluated by Rampart and by the CrowdSec 1.4.6 binary,
 * and `Sprintf("%T|%v")` of the results (or the runtime error) must agree. A fixed seed keeps the
 * default run small and repeatable; `EXPR_FUZZ_SEED` / `EXPR_FUZZ_COUNT` explore further. Every
 * disagreement found so far became a corpus case under `test/fixtures/expr/`.
 */
import { describe, expect, it } from "vitest";
import { goFormatExpr, runExprOracle } from "../../scripts/extract-hub-expressions.js";
import { compileExpr } from "../../src/engine/expr/index.js";
import { crowdsecInstall, shouldSkipWithoutOracle } from "../oracle/crowdsec-config.js";

type Kind = "int" | "float" | "str" | "bool" | "arr";

/** A small deterministic generator (LCG), so a seed always yields the same expressions. */
function generator(seed: number) {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const strings = [
    "'a'",
    "'abc'",
    "''",
    "'héllo'",
    "'A B'",
    "'%41%2'",
    "'1.5'",
    "'192.0.2.1'",
    '"q\\"t"',
  ];
  const paths = [
    "evt.Parsed.a",
    "evt.Parsed.b",
    "evt.Meta.m",
    "evt.Meta.missing",
    "evt.Parsed.num",
  ];
  const gen = (kind: Kind, depth: number): string => {
    const leaf = depth <= 0 || random() < 0.3;
    const sub = (k: Kind) => gen(k, depth - 1);
    switch (kind) {
      case "int":
        if (leaf) return pick(["0", "1", "2", "7", "10", "-4", "0x1f", "1_000"]);
        return pick([
          () => `len(${sub("str")})`,
          () => `(${sub("int")} ${pick(["+", "-", "*"])} ${sub("int")})`,
          () =>
            `(${sub("int")} ${pick(["/", "%"])} ${pick(["1", "2", "3", "-2", "(len('ab') + 1)"])})`,
          () => `count(${sub("arr")}, {${pick(["# == 1", "len(Sprintf('%v', #)) > 1", "true"])}})`,
          () => `(${sub("bool")} ? ${sub("int")} : ${sub("int")})`,
          () => `len(${sub("arr")})`,
        ])();
      case "float":
        if (leaf) return pick(["1.5", "0.1", "2.0", ".5", "1e3", "123456789.0", "1e-7"]);
        return pick([
          () => `(${sub("int")} ${pick(["+", "-", "*", "/"])} ${sub("float")})`,
          () => `(${sub("float")} ** ${pick(["2", "0.5", "-1"])})`,
          () => `Atof(${sub("str")})`,
        ])();
      case "str":
        if (leaf) return pick([...strings, ...paths]);
        return pick([
          () => `(${sub("str")} + ${sub("str")})`,
          () =>
            `${pick(["Upper", "Lower", "PathUnescape", "QueryUnescape", "PathEscape", "QueryEscape"])}(${sub("str")})`,
          () =>
            `Sprintf(${pick(["'%v'", "'%s|%d'", "'%q'", "'%5.1f'", "'%x'", "'%T'", "'%d'"])}, ${sub(pick(["int", "float", "str", "bool", "arr"] as const))})`,
          () =>
            `JsonExtract(evt.Line.Raw, ${pick(["'k'", "'k.l'", "'k.l[1]'", "'k.l[2].m'", "'s'", "'zz'"])})`,
          () => `(${sub("bool")} ? ${sub("str")} : ${sub("str")})`,
          () => `ToJsonString(${sub(pick(["arr", "str", "int", "float"] as const))})`,
          () =>
            `XMLGetNodeValue('<a><b>x</b><b n="2">y</b></a>', ${pick(["'/a/b'", "'/a/b[2]'", `"//b[@n='2']"`, "'/x'"])})`,
        ])();
      case "bool":
        if (leaf) return pick(["true", "false", `${pick(paths)} == ''`]);
        return pick([
          () =>
            `(${sub("int")} ${pick(["==", "!=", "<", ">="])} ${sub(pick(["int", "float"] as const))})`,
          () =>
            `(${sub("str")} ${pick(["==", "!=", "<", "contains", "startsWith", "endsWith"])} ${sub("str")})`,
          () =>
            `(${sub("str")} matches ${pick(["'^a'", "'b+c?'", "'(?i)HÉ'", "'\\\\d+'", "'^$'"])})`,
          () => `(${sub("str")} ${pick(["in", "not in"])} [${pick(strings)}, ${pick(strings)}])`,
          () => `(${sub("int")} in ${pick(["1..5", "[1, 2, 3]", "[1, 'a']"])})`,
          () => `${pick(["not ", "!"])}${sub("bool")}`,
          () => `(${sub("bool")} ${pick(["and", "or", "&&", "||"])} ${sub("bool")})`,
          () =>
            `${pick(["any", "all", "none", "one"])}(${sub("arr")}, {${pick(["# == 1", "# == 'a'", "Upper(evt.Meta.m) == Upper(Sprintf('%v', #))"])}})`,
          () => `(${sub("arr")} == ${sub("arr")})`,
          () => `(${sub("str")} in {'a': 1, 'abc': 2})`,
        ])();
      case "arr":
        if (leaf)
          return pick(["[1, 2, 3]", "['a', 'b']", "[1, 'a', true]", "[]", "1..4", "[1.5, 2]"]);
        return pick([
          () => `filter(${sub("arr")}, {${pick(["# == 1", "# != 'a'", "true"])}})`,
          () => `map(${sub("arr")}, {${pick(["Sprintf('%v!', #)", "#", "[#]"])}})`,
          () => `${sub("arr")}[${pick(["0", "1"])}:${pick(["1", "2", "9"])}]`,
          () => `JsonExtractSlice(evt.Line.Raw, ${pick(["'k.l'", "'zz'"])})`,
          () => `ParseUri(${pick(["'/p?a=1&a=2'", "'/p?x'"])}).a`,
        ])();
    }
  };
  return () => gen(pick(["int", "float", "str", "bool", "arr", "bool", "str"] as const), 3);
}

const EVENT = {
  raw: '{"k":{"l":[1,"two",{"m":null}]},"s":"x\\ty"}',
  parsed: { a: "abc", b: "héllo wörld", num: "42" },
  meta: { m: "GET" },
};

const skip = shouldSkipWithoutOracle(crowdsecInstall(), "expr differential fuzzing");

describe.skipIf(skip)("differential fuzzing against CrowdSec 1.4.6", () => {
  it("gives the reference's result for random well-typed expressions", async () => {
    const seed = Number(process.env.EXPR_FUZZ_SEED ?? 2024);
    const count = Number(process.env.EXPR_FUZZ_COUNT ?? 40);
    const next = generator(seed);
    const exprs = Array.from({ length: count }, next);
    const env = {
      evt: {
        Line: { Raw: EVENT.raw, Module: "file", Labels: { type: "oracle" } },
        Parsed: EVENT.parsed,
        Meta: EVENT.meta,
        Enriched: {},
      },
    };
    const ours = exprs.map((expr) => {
      try {
        return String(compileExpr(goFormatExpr(expr), { dialect: "crowdsec-1.4" }).run(env));
      } catch (e) {
        return `error: ${(e as Error).message.split(" (")[0]}`;
      }
    });
    const reference = await runExprOracle(
      exprs.map((expr) => ({ expr, raw: EVENT.raw, parsed: EVENT.parsed, meta: EVENT.meta })),
    );
    const differences: string[] = [];
    let compared = 0;
    exprs.forEach((expr, i) => {
      const ref = reference[i]!;
      if ("compileError" in ref) return; // Go's static type checker; see the README.
      compared++;
      const want = "output" in ref ? ref.output : `error: ${ref.error.split(" (")[0]}`;
      if (want !== ours[i])
        differences.push(`${expr}\n  reference: ${want}\n  rampart:   ${ours[i]}`);
    });
    expect(compared).toBeGreaterThan(count * 0.8);
    expect(differences).toEqual([]);
  }, 600_000);
});
