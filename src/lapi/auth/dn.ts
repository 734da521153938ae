/**
 * RFC 2253 / RFC 4514 distinguished names, as Cloudflare reports a client certificate's subject
 * (`tlsClientAuth.certSubjectDNRFC2253`: `CN=agent,OU=agent-ou,O=Example`). Written here because
 * the identity decision rests on it and the npm parsers we looked at either split on `/` too (the
 * OpenSSL one-line form, where `CN=a/OU=admin-ou` is one value in RFC 2253) or pull in a whole
 * X.509 stack. Separators are `,` (or `;`, which RFC 2253 §4 says parsers must accept) between
 * RDNs and `+` inside a multi-valued RDN; everything else, `/` included, is value text. Escapes:
 * `\` + one of `,+"\<>;=# ` or two hex digits (UTF-8 bytes); RFC 1779 quoted values; a value
 * starting with `#` is BER hex and is kept as written (it never equals a plain CN/OU). Anything
 * else malformed throws {@link DnError}: an unparsable subject is no identity.
 */

/** One `type=value` of an RDN; `type` upper-cased (`cn` → `CN`), `OID.` prefix dropped. */
export interface DnAttribute {
  type: string;
  value: string;
}

/** A subject that is not a well-formed RFC 2253 DN. */
export class DnError extends Error {}

const SPECIAL = new Set([",", "+", '"', "\\", "<", ">", ";", "=", "#", " "]);
const HEX = /^[0-9a-fA-F]{2}$/;

/** Parses `dn` into its RDNs, most specific first as written; each RDN holds ≥ 1 attribute. */
export function parseRfc2253(dn: string): DnAttribute[][] {
  const rdns: DnAttribute[][] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new DnError(`malformed DN at offset ${i}: ${why}`);
  };
  const skipSpaces = () => {
    while (dn[i] === " ") i++;
  };
  if (dn.trim() === "") return rdns;

  let rdn: DnAttribute[] = [];
  for (;;) {
    skipSpaces();
    // attributeType: keystring (ALPHA *(ALPHA / DIGIT / "-")) or a numeric OID.
    const typeMatch = /^(?:[oO][iI][dD]\.)?([A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*)/.exec(dn.slice(i));
    if (!typeMatch) fail("attribute type expected");
    const type = typeMatch![1]!.toUpperCase();
    i += typeMatch![0].length;
    skipSpaces();
    if (dn[i] !== "=") fail("'=' expected");
    i++;
    skipSpaces();
    const value = readValue();
    rdn.push({ type, value });
    skipSpaces();
    if (i >= dn.length) break;
    const sep = dn[i];
    i++;
    if (sep === "+") continue;
    if (sep === "," || sep === ";") {
      rdns.push(rdn);
      rdn = [];
      continue;
    }
    i--;
    fail(`unexpected '${sep}'`);
  }
  rdns.push(rdn);
  return rdns;

  function readValue(): string {
    if (dn[i] === "#") {
      const m = /^#(?:[0-9a-fA-F]{2})+/.exec(dn.slice(i));
      if (!m) fail("'#' must start a BER hex value");
      i += m![0].length;
      return m![0];
    }
    if (dn[i] === '"') {
      i++;
      const bytes: number[] = [];
      while (i < dn.length && dn[i] !== '"') readChar(bytes, true);
      if (dn[i] !== '"') fail("unterminated quoted value");
      i++;
      return decode(bytes);
    }
    const bytes: number[] = [];
    // Trailing unescaped spaces are not part of the value; escaped ones are.
    let significant = 0;
    while (i < dn.length && !",;+".includes(dn[i]!)) {
      if (dn[i] === '"') fail("unescaped '\"' in a value");
      const escaped = dn[i] === "\\";
      readChar(bytes, false);
      if (escaped || bytes[bytes.length - 1] !== 0x20) significant = bytes.length;
    }
    return decode(bytes.slice(0, significant));
  }

  function readChar(bytes: number[], quoted: boolean): void {
    const ch = dn[i]!;
    if (ch !== "\\") {
      for (const b of new TextEncoder().encode(String.fromCodePoint(dn.codePointAt(i)!)))
        bytes.push(b);
      i += dn.codePointAt(i)! > 0xffff ? 2 : 1;
      return;
    }
    const next = dn[i + 1];
    if (next === undefined) fail("dangling '\\'");
    if (HEX.test(dn.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(dn.slice(i + 1, i + 3), 16));
      i += 3;
      return;
    }
    if (SPECIAL.has(next!) || (quoted && next === '"')) {
      bytes.push(next!.charCodeAt(0));
      i += 2;
      return;
    }
    i++;
    fail(`'\\${next}' is not an escape`);
  }

  function decode(bytes: number[]): string {
    try {
      return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(
        new Uint8Array(bytes),
      );
    } catch {
      return fail("escaped bytes are not UTF-8");
    }
  }
}

/** The attributes of `dn` in order, RDNs flattened. Throws {@link DnError}. */
export function dnAttributes(dn: string): DnAttribute[] {
  return parseRfc2253(dn).flat();
}
