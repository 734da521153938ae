import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DnError, dnAttributes, parseRfc2253 } from "./dn.js";
import { readClientCert } from "./tls.js";

/** RFC 4514 §2.4 escaping, written independently of the parser: what a conforming encoder emits. */
function escapeValue(value: string): string {
  let out = "";
  const chars = Array.from(value);
  chars.forEach((ch, i) => {
    if (',+"\\<>;='.includes(ch)) out += `\\${ch}`;
    else if ((ch === " " || ch === "#") && i === 0) out += `\\${ch}`;
    else if (ch === " " && i === chars.length - 1) out += "\\ ";
    else if (ch < " " || ch === "\u007f")
      out += `\\${ch.charCodeAt(0).toString(16).padStart(2, "0")}`;
    else out += ch;
  });
  return out;
}

const attrType = fc.constantFrom("CN", "OU", "O", "L", "C", "DC", "UID", "2.5.4.3");
const attrValue = fc.string({ unit: "grapheme", maxLength: 24 });
const rdns = fc.array(
  fc.array(fc.record({ type: attrType, value: attrValue }), { minLength: 1, maxLength: 3 }),
  {
    minLength: 1,
    maxLength: 5,
  },
);
const encode = (list: { type: string; value: string }[][]) =>
  list.map((rdn) => rdn.map((a) => `${a.type}=${escapeValue(a.value)}`).join("+")).join(",");

describe("parseRfc2253", () => {
  it("gives back exactly the RDNs an RFC 4514 encoder wrote, whatever the values hold", () => {
    fc.assert(
      fc.property(rdns, (list) => {
        expect(parseRfc2253(encode(list))).toEqual(list);
      }),
      { numRuns: 2000 },
    );
  });

  it("never lets value text (/, escaped separators, '=') create another attribute", () => {
    fc.assert(
      fc.property(attrValue, attrValue, (cn, injected) => {
        const value = `${cn}/OU=${injected},OU=admin-ou+OU=x`;
        const attrs = dnAttributes(`CN=${escapeValue(value)},OU=agent-ou`);
        expect(attrs).toEqual([
          { type: "CN", value },
          { type: "OU", value: "agent-ou" },
        ]);
      }),
      { numRuns: 1000 },
    );
  });

  it("reads the forms certificates carry", () => {
    expect(dnAttributes("CN=a/OU=admin-ou,OU=agent-ou")).toEqual([
      { type: "CN", value: "a/OU=admin-ou" },
      { type: "OU", value: "agent-ou" },
    ]);
    expect(parseRfc2253("cn=Multi+ou=one , OU = two;O=Ex")).toEqual([
      [
        { type: "CN", value: "Multi" },
        { type: "OU", value: "one" },
      ],
      [{ type: "OU", value: "two" }],
      [{ type: "O", value: "Ex" }],
    ]);
    expect(dnAttributes("CN=Lu\\C4\\8Di\\C4\\87,OU=\\ padded\\ ")).toEqual([
      { type: "CN", value: "Lučić" },
      { type: "OU", value: " padded " },
    ]);
    expect(dnAttributes('OID.2.5.4.3="quoted, with comma",OU=#0403616263')).toEqual([
      { type: "2.5.4.3", value: "quoted, with comma" },
      { type: "OU", value: "#0403616263" },
    ]);
    expect(dnAttributes("")).toEqual([]);
  });

  it("refuses what is not a DN", () => {
    for (const bad of [
      "CN",
      "CN=a,",
      "=a",
      "CN=a\\",
      "CN=a\\zz",
      'CN=a"b',
      "CN=\\ff",
      "CN=a,OU",
      "CN=#zz",
      "/CN=a/OU=b",
    ]) {
      expect(() => parseRfc2253(bad), bad).toThrow(DnError);
    }
  });
});

describe("readClientCert", () => {
  const cert = (dn: string) => ({
    tlsClientAuth: { certPresented: "1", certVerified: "SUCCESS", certSubjectDNRFC2253: dn },
  });

  it("takes CN and OUs from the RFC 2253 subject; '/' never starts an attribute", () => {
    expect(readClientCert(cert("CN=a/OU=admin-ou,OU=agent-ou"))).toEqual({
      kind: "ok",
      identity: { cn: "a/OU=admin-ou", ous: ["agent-ou"] },
    });
  });

  it("rejects a certificate whose subject does not parse", () => {
    expect(readClientCert(cert("/CN=evil/OU=admin-ou"))).toMatchObject({ kind: "rejected" });
  });
});
