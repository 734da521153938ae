/**
 * `parser.assert` / `scenario.assert`: one expr condition per non-empty line over `results`
 * (crowdsec `pkg/hubtest` ParserAssert / ScenarioAssert). A line that is false is a failure and
 * the run goes on; a line that does not compile, fails at run time or is not a boolean stops the
 * file, as hubtest reports it ("unable to run assert"). Evaluated with Rampart's expr engine and
 * CrowdSec's helpers, plus hubtest's `basename`.
 */
import { compileExpr } from "../expr/index.js";

/** One assertion that did not hold. */
export interface AssertFailure {
  line: number;
  expression: string;
  /** What the left-hand side evaluated to, when the line is `<lhs> == <rhs>`. */
  actual?: string;
}

/** The outcome of one assertion file. */
export interface AssertOutcome {
  /** Assertions evaluated. */
  total: number;
  failures: AssertFailure[];
  /** The line that could not be evaluated, which ends the file (a test failure). */
  error: { line: number; expression: string; message: string } | null;
}

const basename = (path: unknown): string => {
  const s = String(path ?? "");
  const trimmed = s.replace(/\/+$/, "");
  if (trimmed === "") return s === "" ? "." : "/";
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
};

const functions = { basename: (p: unknown) => basename(p) };

/** Renders a value the way a failure message shows it (JSON, strings quoted). */
function show(value: unknown): string {
  if (value === undefined) return "nil";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The left-hand side of `<lhs> == <rhs>` (hubtest's debug variable), if the line has that shape. */
function leftOperand(expression: string): string | null {
  const match = /^(\S+) == /.exec(expression);
  return match ? match[1]! : null;
}

/** Evaluates every line of `text` against `results`. */
export function runAssertions(text: string, results: unknown): AssertOutcome {
  const env = { results };
  const outcome: AssertOutcome = { total: 0, failures: [], error: null };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const expression = lines[i]!;
    if (expression.trim() === "") continue;
    let value: unknown;
    try {
      value = compileExpr(expression, { functions }).run(env);
    } catch (error) {
      outcome.error = { line: i + 1, expression, message: (error as Error).message };
      return outcome;
    }
    if (typeof value !== "boolean") {
      outcome.error = {
        line: i + 1,
        expression,
        message: `assertion '${expression}' is not a condition`,
      };
      return outcome;
    }
    outcome.total++;
    if (value) continue;
    const failure: AssertFailure = { line: i + 1, expression };
    const lhs = leftOperand(expression);
    if (lhs !== null) {
      try {
        failure.actual = show(compileExpr(lhs, { functions }).run(env));
      } catch (error) {
        failure.actual = `error: ${(error as Error).message}`;
      }
    }
    outcome.failures.push(failure);
  }
  return outcome;
}
