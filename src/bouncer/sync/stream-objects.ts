/**
 * Incremental reader of a `/v1/decisions/stream` body (`{"new":[{…},…],"deleted":[…]}`): yields
 * each decision object of the top-level arrays as soon as it is complete, so a startup pull of a
 * million decisions (≈150 MB of JSON) never sits in memory as one string or one array — a Durable
 * Object has 128 MB. Works with both of CrowdSec's shapes (`null` lists before 1.7.8, chunked `[]`
 * after) and any key order.
 */
export async function* streamObjects(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<{ list: string; value: unknown }> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let depth = 0;
  let inString = false;
  let escaped = false;
  let lastString = "";
  let stringChars: string[] | null = null;
  let arrayKey = "";
  /** Text of the decision object being read (only while depth ≥ 3). */
  let object = "";
  for (;;) {
    const { done, value } = await reader.read();
    const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
    let from = depth >= 3 ? 0 : -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (stringChars !== null) stringChars.push(text[i]!);
        if (escaped) escaped = false;
        else if (c === 92) escaped = true;
        else if (c === 34) {
          inString = false;
          if (stringChars !== null) {
            stringChars.pop();
            lastString = stringChars.join("");
            stringChars = null;
          }
        }
        continue;
      }
      if (c === 34) {
        inString = true;
        // Root-level strings are the keys (`"new"`, `"deleted"`); nothing else needs keeping.
        if (depth === 1) stringChars = [];
      } else if (c === 123 || c === 91) {
        if (depth === 1 && c === 91) arrayKey = lastString;
        if (depth === 2 && c === 123) from = i;
        depth++;
      } else if (c === 125 || c === 93) {
        depth--;
        if (depth === 2 && c === 125) {
          const json = object + text.slice(from, i + 1);
          object = "";
          from = -1;
          yield { list: arrayKey, value: JSON.parse(json) as unknown };
        }
        if (depth < 0) throw new Error("decision stream: unbalanced JSON");
      }
    }
    if (depth >= 3 && from >= 0) object += text.slice(from);
    if (done) break;
  }
  if (depth !== 0 || inString) throw new Error("decision stream: truncated JSON");
}
