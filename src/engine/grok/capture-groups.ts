/**
 * A tokenizer for the capturing groups of Go RE2 syntax, used to rewrite expanded grok regexes
 * (`pruneCaptureGroups`). It is exact (classes, escapes,
 * `\Q…\E`, named groups), unlike the heuristic grokky uses to number semantics, which
 * `grokkyGroupCount` in grok-expansion.ts reproduces on purpose.
 */

/** Lexical state that carries from one fragment to the next. */
export interface ScanState {
  inClass: boolean;
  inQuote: boolean;
}

/** A fresh state at the beginning of an expression. */
export function initialScanState(): ScanState {
  return { inClass: false, inQuote: false };
}

/**
 * Calls `onCapture(start, openerLength)` for each capturing group that opens in `fragment`, in
 * order: `(` not followed by `?` (length 1), and the named forms `(?P<name>` and `(?<name>`
 * (length up to and including `>`). Updates `state` for the next fragment.
 */
export function scanCaptureGroups(
  fragment: string,
  state: ScanState,
  onCapture: (start: number, openerLength: number) => void,
): void {
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
        onCapture(i, 1);
      } else if (
        fragment.startsWith("?P<", i + 1) ||
        (fragment[i + 2] === "<" && fragment[i + 3] !== "=" && fragment[i + 3] !== "!")
      ) {
        const close = fragment.indexOf(">", i);
        onCapture(i, close === -1 ? n - i : close - i + 1);
      }
    }
    i += 1;
  }
}

/** How many capturing groups open in `fragment` (see `scanCaptureGroups`). */
export function countCaptureGroups(fragment: string, state: ScanState): number {
  let count = 0;
  scanCaptureGroups(fragment, state, () => {
    count += 1;
  });
  return count;
}

/**
 * Rewrites every capturing group whose number (1-based) is not in `keep` as a non-capturing
 * group `(?:`, and returns the new source with the renumbering of the kept groups. RE2 has no
 * backreferences and its leftmost-first choice of match does not depend on which groups capture,
 * so the kept groups capture exactly what they did before. Expanded grok regexes carry dozens of
 * groups nobody reads (IPV6 alone has 80); the NFA copies every capture slot per thread per
 * character, so dropping them is the single largest speed-up for re2js.
 */
export function pruneCaptureGroups(
  source: string,
  keep: ReadonlySet<number>,
): { source: string; renumber: Map<number, number> } {
  const renumber = new Map<number, number>();
  let out = "";
  let last = 0;
  let index = 0;
  scanCaptureGroups(source, initialScanState(), (start, openerLength) => {
    index += 1;
    if (keep.has(index)) {
      renumber.set(index, renumber.size + 1);
      return;
    }
    out += `${source.slice(last, start)}(?:`;
    last = start + openerLength;
  });
  return { source: out + source.slice(last), renumber };
}
