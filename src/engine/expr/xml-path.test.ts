import { describe, expect, it } from "vitest";
import { elementText, parseXml } from "./xml-document.js";
import { compileXmlPath, findElement, type XmlPath } from "./xml-path.js";

const doc = parseXml(
  `<?xml version="1.0"?><!-- c --><Event><System><Provider Name="P"/><EventID>4625</EventID></System>` +
    `<EventData><Data Name="A">one</Data><Data Name="B">two<![CDATA[ & more]]></Data></EventData></Event>`,
)!;

function find(path: string): string | null {
  const compiled = compileXmlPath(path);
  if ("error" in compiled) throw new Error(compiled.error);
  const element = findElement(doc, compiled as XmlPath);
  return element ? elementText(element) : null;
}

describe("etree paths", () => {
  it("selects by absolute path, position, attribute and descendant search", () => {
    expect(find("/Event/System/EventID")).toBe("4625");
    expect(find("/Event/EventData[1]/Data[2]")).toBe("two & more");
    expect(find("/Event/EventData/Data[@Name='A']")).toBe("one");
    expect(find("//Data[@Name='B']")).toBe("two & more");
    expect(find("/Event/EventData/Data[-1]")).toBe("two & more");
    expect(find("/Event/*/EventID")).toBe("4625");
    expect(find("/Event/System/EventID/../Provider[@Name]")).toBe("");
    expect(find("/Event/EventData/Data[text()='one']")).toBe("one");
    expect(find("/Event/System[EventID='4625']/EventID")).toBe("4625");
  });

  it("returns nothing for paths that do not match", () => {
    expect(find("/Event/Nope")).toBeNull();
    expect(find("/Event/EventData/Data[3]")).toBeNull();
  });

  it("rejects malformed paths", () => {
    expect(compileXmlPath("/a[@x='1]")).toHaveProperty("error");
    expect(compileXmlPath("/a[]")).toHaveProperty("error");
  });
});

describe("parseXml", () => {
  it("decodes entities in text and attributes", () => {
    const root = parseXml(`<a x="&lt;&#x41;">&amp;&#66;</a>`)!;
    const a = root.children[0] as { attrs: { value: string }[] };
    expect(a.attrs[0]!.value).toBe("<A");
    expect(elementText(root.children[0] as never)).toBe("&B");
  });

  it("closes the innermost element on any end tag and keeps unclosed ones, like etree", () => {
    const root = parseXml("<a><b>t</a>")!;
    expect(findElement(root, compileXmlPath("/a/b") as XmlPath)).not.toBeNull();
    expect(parseXml("<a><b>t")).not.toBeNull();
  });

  it("rejects malformed tokens", () => {
    expect(parseXml("<a x=1></a>")).toBeNull();
    expect(parseXml("<a>&nope;</a>")).toBeNull();
    expect(parseXml("<a><!-- unterminated")).toBeNull();
  });
});
