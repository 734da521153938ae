import type { RE2JS } from "re2js";

/**
 * A bounded backtracker over a compiled re2js program: RE2's "BitState" engine, which Go's
 * `regexp` also uses for small inputs. It explores the program depth-first in priority order
 * (so it finds the leftmost-first match and captures, exactly like the NFA) but remembers every
 * (instruction, position) pair it has visited and never explores one twice, so its work is
 * bounded by instructions × (input length + 1) — linear in the input. re2js only uses its own
 * backtracker for programs under 500 instructions; expanded grok regexes have 1,500–4,000, where
 * its Pike VM copies every capture slot of every live thread at every character. On log lines
 * the backtracker typically touches a few hundred states and is several times faster.
 *
 * The visited bitmap costs instructions × (length + 1) bits, so the caller gives a budget and
 * falls back to the NFA above it (`undefined` result).
 */

/** The parts of re2js's program representation used here (re2js 2.10, `RE2.prog`). */
interface ProgramInstruction {
  readonly op: number;
  readonly out: number;
  readonly arg: number;
  readonly runes: Int32Array;
  matchRune(rune: number): boolean;
}

interface Program {
  readonly start: number;
  readonly inst: readonly ProgramInstruction[];
  readonly numLb?: number;
}

// re2js `Inst` opcodes (RUNE_ANY = 10 needs no test of its own) and `Utils.EMPTY_*` flags (same values as RE2/J and Go's syntax package).
const ALT = 1;
const ALT_MATCH = 2;
const CAPTURE = 3;
const EMPTY_WIDTH = 4;
const FAIL = 5;
const MATCH = 6;
const NOP = 7;
const RUNE = 8;
const RUNE1 = 9;
const RUNE_ANY_NOT_NL = 11;
const EMPTY_BEGIN_LINE = 1;
const EMPTY_END_LINE = 2;
const EMPTY_BEGIN_TEXT = 4;
const EMPTY_END_TEXT = 8;
const EMPTY_WORD_BOUNDARY = 16;
const EMPTY_NO_WORD_BOUNDARY = 32;

/**
 * Buffers kept between calls: 256 KiB of visited bits (the 3,000-instruction nginx access grok
 * on a ~700-char line) and 16 Ki jobs. Bigger ones are allocated for the call that needs them
 * and dropped.
 */
const RETAINED_VISITED_WORDS = 1 << 16;
const RETAINED_JOBS = 1 << 14;

/**
 * Runs a search; returns the capture offsets (Go `FindStringSubmatchIndex` layout), null when
 * nothing matches, or undefined when the input is over the budget (use the NFA instead).
 */
export type BacktrackSearch = (input: string) => Int32Array | null | undefined;

/**
 * Builds the backtracker for `regex`. `anchored`: try offset 0 only (the regex's own anchors still
 * apply); otherwise every offset in turn, leftmost first, sharing one visited bitmap — a state
 * that failed from an earlier start fails again, so the whole search stays linear (as in Go's
 * `backtrack`). Returns undefined when the program uses an instruction this engine does not know.
 * `maxVisitedBits` bounds instructions × (length + 1) per call.
 */
export function createBacktracker(
  regex: RE2JS,
  maxVisitedBits: number,
  anchored: boolean,
): BacktrackSearch | undefined {
  const prog = (regex.re2() as unknown as { prog: Program }).prog;
  const inst = prog.inst;
  if ((prog.numLb ?? 0) > 0) return undefined;
  for (const i of inst) if (i.op < ALT || i.op > RUNE_ANY_NOT_NL) return undefined;
  const ncap = 2 * (regex.groupCount() + 1);
  const numInst = inst.length;
  let visited = new Uint32Array(0);
  let jobPc = new Int32Array(256);
  let jobPos = new Int32Array(256);
  let jobArg = new Uint8Array(256);
  const cap = new Int32Array(ncap);

  // Per-call state, shared by the helpers below (kept outside the call: no closure per line).
  let text = "";
  let end = 0;
  let stride = 1;
  let jobs = 0;

  const shouldVisit = (pc: number, pos: number): boolean => {
    const n = pc * stride + pos;
    const word = n >>> 5;
    const mask = 1 << (n & 31);
    if ((visited[word] as number) & mask) return false;
    visited[word] = (visited[word] as number) | mask;
    return true;
  };
  const push = (pc: number, pos: number, arg: boolean) => {
    if ((inst[pc] as ProgramInstruction).op === FAIL || (!arg && !shouldVisit(pc, pos))) return;
    if (jobs === jobPc.length) {
      const grow = <T extends Int32Array | Uint8Array>(a: T, b: T): T => {
        b.set(a);
        return b;
      };
      jobPc = grow(jobPc, new Int32Array(jobs * 2));
      jobPos = grow(jobPos, new Int32Array(jobs * 2));
      jobArg = grow(jobArg, new Uint8Array(jobs * 2));
    }
    jobPc[jobs] = pc;
    jobPos[jobs] = pos;
    jobArg[jobs] = arg ? 1 : 0;
    jobs += 1;
  };

  /** Depth-first search from `start`; true with `cap` filled on a match. */
  const tryFrom = (start: number): boolean => {
    cap[0] = start;
    push(prog.start, start, false);
    while (jobs > 0) {
      jobs -= 1;
      let pc = jobPc[jobs] as number;
      let pos = jobPos[jobs] as number;
      let arg = jobArg[jobs] === 1;
      let check = false;
      for (;;) {
        if (check && !shouldVisit(pc, pos)) break;
        check = true;
        const i = inst[pc] as ProgramInstruction;
        const op = i.op;
        if (op === ALT) {
          // Explore `out` first; re-push this ALT with arg=true to try `arg` afterwards, so that
          // if `out` reaches `arg` itself it is explored in priority order.
          if (arg) {
            arg = false;
            pc = i.arg;
          } else {
            push(pc, pos, true);
            pc = i.out;
          }
          continue;
        }
        if (op >= RUNE) {
          if (pos >= end) break;
          let rune = text.charCodeAt(pos);
          let width = 1;
          if (rune >= 0xd800 && rune <= 0xdbff && pos + 1 < end) {
            const low = text.charCodeAt(pos + 1);
            if (low >= 0xdc00 && low <= 0xdfff) {
              rune = (rune - 0xd800) * 1024 + (low - 0xdc00) + 0x10000;
              width = 2;
            }
          }
          if (
            op === RUNE
              ? !i.matchRune(rune)
              : op === RUNE1
                ? rune !== i.runes[0]
                : op === RUNE_ANY_NOT_NL && rune === 10
          ) {
            break;
          }
          pos += width;
          pc = i.out;
          continue;
        }
        if (op === CAPTURE) {
          if (arg) {
            // Backtracking past this capture: restore the slot's previous value.
            cap[i.arg] = pos;
            break;
          }
          if (i.arg < ncap) {
            push(pc, cap[i.arg] as number, true);
            cap[i.arg] = pos;
          }
          pc = i.out;
          continue;
        }
        if (op === EMPTY_WIDTH) {
          if ((i.arg & ~context(text, pos, end)) !== 0) break;
          pc = i.out;
          continue;
        }
        if (op === NOP) {
          pc = i.out;
          continue;
        }
        if (op === MATCH) {
          cap[1] = pos;
          return true;
        }
        if (op === ALT_MATCH) {
          // `.*` before the end of the program: jump straight to the match.
          const outOp = (inst[i.out] as ProgramInstruction).op;
          if (outOp >= RUNE) {
            push(i.arg, pos, false);
            pc = i.arg;
            pos = end;
          } else {
            push(i.out, end, false);
            pc = i.out;
          }
          continue;
        }
        break;
      }
    }
    return false;
  };

  return (input) => {
    end = input.length;
    const bits = numInst * (end + 1);
    if (bits > maxVisitedBits) return undefined;
    const words = (bits + 31) >>> 5;
    if (visited.length < words) visited = new Uint32Array(Math.max(words, visited.length * 2));
    else visited.fill(0, 0, words);
    cap.fill(-1);
    jobs = 0;
    stride = end + 1;
    text = input;

    const found = searchStarts();
    // Do not keep the last line, nor the buffers an unusually long one needed, alive: a burst of
    // long lines would otherwise pin up to ~1 MiB per compiled grok.
    text = "";
    if (visited.length > RETAINED_VISITED_WORDS) visited = new Uint32Array(0);
    if (jobPc.length > RETAINED_JOBS) {
      jobPc = new Int32Array(256);
      jobPos = new Int32Array(256);
      jobArg = new Uint8Array(256);
    }
    return found;
  };

  /** Tries each start offset in turn (only 0 when anchored); the capture offsets or null. */
  function searchStarts(): Int32Array | null {
    const input = text;
    for (let start = 0; start <= end; ) {
      if (tryFrom(start)) return cap.slice();
      if (anchored || start === end) break;
      const code = input.charCodeAt(start);
      const pair =
        code >= 0xd800 && code <= 0xdbff && start + 1 < end && isLowSurrogate(input, start + 1);
      start += pair ? 2 : 1;
    }
    return null;
  }
}

function isLowSurrogate(input: string, pos: number): boolean {
  const code = input.charCodeAt(pos);
  return code >= 0xdc00 && code <= 0xdfff;
}

function isWordCode(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) ||
    code === 95
  );
}

/** The empty-width assertions that hold at `pos` (re2js `MachineUTF16Input.context`). */
function context(input: string, pos: number, end: number): number {
  const before = pos > 0 ? input.charCodeAt(pos - 1) : -1;
  const after = pos < end ? input.charCodeAt(pos) : -1;
  let flags = 0;
  if (before < 0) flags |= EMPTY_BEGIN_TEXT | EMPTY_BEGIN_LINE;
  if (before === 10) flags |= EMPTY_BEGIN_LINE;
  if (after < 0) flags |= EMPTY_END_TEXT | EMPTY_END_LINE;
  if (after === 10) flags |= EMPTY_END_LINE;
  flags |= isWordCode(before) !== isWordCode(after) ? EMPTY_WORD_BOUNDARY : EMPTY_NO_WORD_BOUNDARY;
  return flags;
}
