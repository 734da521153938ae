import { RuntimeFault } from "./errors.js";
import { fromUtf8, utf8Bytes } from "./go-value.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DECODE = new Int16Array(256).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

const PAD = 0x3d;
const isNewline = (b: number | undefined) => b === 0x0a || b === 0x0d;

/**
 * Go `base64.StdEncoding.DecodeString` (padding required, `\r`/`\n` skipped anywhere), failing
 * with Go's `illegal base64 data at input byte N` (N counts bytes of the UTF-8 input).
 */
export function goBase64Decode(text: string): string {
  const src = utf8Bytes(text);
  const out: number[] = [];
  const corrupt = (at: number) => new RuntimeFault(`illegal base64 data at input byte ${at}`);
  let si = 0;
  while (si < src.length) {
    const quantum: number[] = [];
    let end = false;
    while (quantum.length < 4) {
      if (si === src.length) {
        if (quantum.length === 0) break;
        throw corrupt(si - quantum.length);
      }
      const byte = src[si++]!;
      const value = DECODE[byte]!;
      if (value >= 0) {
        quantum.push(value);
        continue;
      }
      if (isNewline(byte)) continue;
      if (byte !== PAD || quantum.length < 2) throw corrupt(si - 1);
      if (quantum.length === 2) {
        while (si < src.length && isNewline(src[si])) si++;
        if (si === src.length) throw corrupt(src.length);
        if (src[si] !== PAD) throw corrupt(si - 1);
        si++;
      }
      while (si < src.length && isNewline(src[si])) si++;
      if (si < src.length) throw corrupt(si);
      end = true;
      break;
    }
    const [a = 0, b = 0, c = 0, d = 0] = quantum;
    const bits = (a << 18) | (b << 12) | (c << 6) | d;
    if (quantum.length >= 2) out.push((bits >> 16) & 0xff);
    if (quantum.length >= 3) out.push((bits >> 8) & 0xff);
    if (quantum.length === 4) out.push(bits & 0xff);
    if (end) break;
  }
  return fromUtf8(Uint8Array.from(out));
}
