/**
 * Unquotes an expr string literal (v1.9.0 `parser/lexer/utils.go` `unescape`): the escapes
 * `\a \b \f \n \r \t \v \\ \' \" \` \?`, `\xHH`, `\uHHHH`, `\UHHHHHHHH` and three-digit octal
 * `\[0-3][0-7][0-7]`. Hex and octal escapes produce the Unicode code point (so `\xff` is `ÿ`, as
 * Go appends the rune). Returns an error string instead of throwing.
 */
export function unescapeLiteral(quoted: string): { value: string } | { error: string } {
  const n = quoted.length;
  if (n < 2 || quoted[0] !== quoted[n - 1] || (quoted[0] !== '"' && quoted[0] !== "'")) {
    return { error: "unable to unescape string" };
  }
  const body = quoted.slice(1, n - 1);
  if (!body.includes("\\")) return { value: body };
  let out = "";
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (c !== "\\") {
      out += c;
      i++;
      continue;
    }
    if (i + 1 >= body.length) {
      return { error: "unable to unescape string, found '\\' as last character" };
    }
    const e = body[i + 1]!;
    i += 2;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      continue;
    }
    if (e === "x" || e === "X" || e === "u" || e === "U") {
      const len = e === "u" ? 4 : e === "U" ? 8 : 2;
      const hex = body.slice(i, i + len);
      if (hex.length < len || !/^[0-9a-fA-F]+$/.test(hex)) {
        return { error: "unable to unescape string" };
      }
      const code = Number.parseInt(hex, 16);
      if (code > 0x10ffff) return { error: "unable to unescape string" };
      out += String.fromCodePoint(code);
      i += len;
      continue;
    }
    if (e >= "0" && e <= "3") {
      const oct = body.slice(i, i + 2);
      if (oct.length < 2) return { error: "unable to unescape string" };
      if (!/^[0-7]{2}$/.test(oct)) return { error: "unable to unescape octal sequence in string" };
      out += String.fromCodePoint(Number.parseInt(e + oct, 8));
      i += 2;
      continue;
    }
    return { error: "unable to unescape string" };
  }
  return { value: out };
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  "'": "'",
  '"': '"',
  "`": "`",
  "?": "?",
};
