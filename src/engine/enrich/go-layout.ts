/**
 * Go reference-time layouts (`2006-01-02 15:04:05`, `Jan _2`, `-07:00`…) split into literal text
 * and layout elements, as Go 1.19 `time/format.go` `nextStdChunk` reads them. Prepared once per
 * layout and reused for every value (see `go-time.ts`).
 */

/** Layout elements, checked in the order Go's `nextStdChunk` tries them at each position. */
const STD_TOKENS = [
  "January",
  "Jan",
  "Monday",
  "Mon",
  "MST",
  "01",
  "02",
  "03",
  "04",
  "05",
  "06",
  "002",
  "1",
  "15",
  "2006",
  "2",
  "_2",
  "__2",
  "3",
  "4",
  "5",
  "PM",
  "pm",
  "-07:00:00",
  "-0700",
  "-07:00",
  "-070000",
  "-07",
  "Z07:00:00",
  "Z0700",
  "Z07:00",
  "Z070000",
  "Z07",
] as const;

export type Chunk = { literal: string } | { std: string };

/** Splits a layout into literal text and std elements (Go `nextStdChunk`, simplified). */
function tokenize(layout: string): Chunk[] {
  const out: Chunk[] = [];
  let literal = "";
  let i = 0;
  const push = (std: string) => {
    if (literal) out.push({ literal });
    literal = "";
    out.push({ std });
  };
  while (i < layout.length) {
    const rest = layout.slice(i);
    const c = layout[i]!;
    let std: string | null = null;
    if (c === "J" && rest.startsWith("Jan")) std = rest.startsWith("January") ? "January" : "Jan";
    else if (c === "M" && rest.startsWith("Mon"))
      std = rest.startsWith("Monday") ? "Monday" : "Mon";
    else if (c === "M" && rest.startsWith("MST")) std = "MST";
    else if (c === "0" && /^0[1-6]/.test(rest)) std = rest.slice(0, 2);
    else if (c === "0" && rest.startsWith("002")) std = "002";
    else if (c === "1") std = rest.startsWith("15") ? "15" : "1";
    else if (c === "2") std = rest.startsWith("2006") ? "2006" : "2";
    else if (c === "_" && rest.startsWith("_2")) {
      if (rest.startsWith("_2006")) {
        literal += "_";
        i += 1;
        continue;
      }
      std = "_2";
    } else if (c === "_" && rest.startsWith("__2")) std = "__2";
    else if (c === "3" || c === "4" || c === "5") std = c;
    else if (c === "P" && rest.startsWith("PM")) std = "PM";
    else if (c === "p" && rest.startsWith("pm")) std = "pm";
    else if (c === "-" || c === "Z") {
      // Longest forms first so that "-07:00:00" is not read as "-07:00".
      for (const form of ["07:00:00", "070000", "07:00", "0700", "07"]) {
        if (rest.startsWith(c + form)) {
          std = c + form;
          break;
        }
      }
    } else if ((c === "." || c === ",") && /^[.,](0+|9+)/.test(rest)) {
      // A fractional-second element only when not followed by another digit.
      const m = /^[.,](0+|9+)/.exec(rest)!;
      const after = layout[i + m[0].length];
      if (after === undefined || !/[0-9]/.test(after)) std = m[0];
    }
    if (std !== null && (STD_TOKENS as readonly string[]).includes(std)) {
      push(std);
      i += std.length;
    } else if (std !== null && /^[.,](0+|9+)$/.test(std)) {
      push(std);
      i += std.length;
    } else {
      literal += c;
      i += 1;
    }
  }
  if (literal) out.push({ literal });
  return out;
}

/** A layout split into literal text and elements once, reused for every value. */
export interface GoLayout {
  readonly source: string;
  readonly chunks: readonly Chunk[];
}

/** Prepares a Go reference-time layout (`2006-01-02 15:04:05`) for `goParseLayout`. */
export function compileLayout(layout: string): GoLayout {
  return { source: layout, chunks: tokenize(layout) };
}
