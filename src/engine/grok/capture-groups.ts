/**
 * Counting the capturing groups of a fragment of Go RE2 syntax, the way grok expansion needs it:
 * the text between two `%{…}` references is not a regex on its own (it may hold half a group),
 * so it cannot be compiled and asked. grokky 0.1.0 uses a heuristic (`capCount`: count `(`, minus
 * `(?flags:`/`(?flags)`, minus `\(`); a real tokenizer gave identical counts on all hub grok
 * references, and is right where the heuristic is not (brackets in classes, `\Q…\E`).
 */

/** Lexical state that carries from one fragment to the next (a class or quote never spans a
 * reference in practice, but the tokenizer stays exact if one does). */
export interface ScanState {
  inClass: boolean;
  inQuote: boolean;
}

/** A fresh state at the beginning of an expression. */
export function initialScanState(): ScanState {
  return { inClass: false, inQuote: false };
}

/**
 * Returns how many capturing groups open in `fragment`: `(` not followed by `?`, plus the named
 * forms `(?P<name>` and `(?<name>`. Updates `state` for the next fragment.
 */
export function countCaptureGroups(fragment: string, state: ScanState): number {
  let count = 0;
  let i = 0;
  const n = fragment.length;
  while (i < n) {
    const c = fragment[i];
    if (state.inQuote) {
      if (c === "\\" && fragment[i + 1] === "E") {
        state.inQuote = false;
        i += 2;
      } else {
        i += 1;
      }
      continue;
    }
    if (c === "\\") {
      if (fragment[i + 1] === "Q") state.inQuote = true;
      i += 2;
      continue;
    }
    if (state.inClass) {
      if (c === "[" && fragment[i + 1] === ":") {
        // POSIX class `[:alpha:]` inside a bracket expression: skip to its closing `:]`.
        const end = fragment.indexOf(":]", i + 2);
        i = end === -1 ? i + 1 : end + 2;
      } else {
        if (c === "]") state.inClass = false;
        i += 1;
      }
      continue;
    }
    if (c === "[") {
      state.inClass = true;
      i += 1;
      // A `]` right after `[` or `[^` is a literal member, not the end of the class.
      if (fragment[i] === "^") i += 1;
      if (fragment[i] === "]") i += 1;
      continue;
    }
    if (c === "(") {
      if (fragment[i + 1] !== "?") {
        count += 1;
      } else if (fragment.startsWith("?P<", i + 1)) {
        count += 1;
      } else if (fragment[i + 2] === "<" && fragment[i + 3] !== "=" && fragment[i + 3] !== "!") {
        count += 1;
      }
    }
    i += 1;
  }
  return count;
}
