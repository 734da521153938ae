/** Characters Go's `encoding/json` escapes by default (`Encoder.SetEscapeHTML(true)`). */
const HTML_UNSAFE = /[<>&\u2028\u2029]/g;

/**
 * Go's HTML-safe JSON text: `<`, `>`, `&`, U+2028 and U+2029 as `\u003c`-style escapes, as
 * `json.Marshal` writes them (Go `encoding/json` `encode.go`). Takes JSON text, returns JSON text.
 */
export function goHtmlEscape(json: string): string {
  return json.replace(HTML_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
