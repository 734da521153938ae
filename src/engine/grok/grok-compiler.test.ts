import { describe, expect, it } from "vitest";
import { GrokError } from "./errors";
import { compileGrok, compileNamedGrok } from "./grok-compiler";
import { loadPatterns, type PatternLibrary } from "./pattern-library";

const base = loadPatterns({});
const grok = (pattern: string, library: PatternLibrary = base) => compileGrok(pattern, library);

describe("compileGrok: capture mapping (grokky 0.1.0)", () => {
  it("returns each semantic of the expression and of the patterns it references", () => {
    const g = grok("^%{SYSLOGPROG:head}: %{GREEDYDATA:message}");
    expect(g.fields).toEqual(["head", "program", "pid", "message"]);
    expect({ ...g.match("sshd[42]: hello") }).toEqual({
      head: "sshd[42]",
      program: "sshd",
      pid: "42",
      message: "hello",
    });
  });

  it("counts literal groups before a reference when numbering", () => {
    const g = grok("(a|b)(?:c)(?P<raw>d) %{WORD:w}");
    expect({ ...g.match("bcd word") }).toEqual({ w: "word" });
  });

  it("lets the last occurrence of a duplicated semantic win", () => {
    expect({ ...grok("%{WORD:a} %{INT:a}").match("x 12") }).toEqual({ a: "12" });
  });

  it("maps a duplicated semantic to the last alternative even when another one matched", () => {
    expect({ ...grok("^(?:%{WORD:a}|%{INT:a})$").match("xyz") }).toEqual({ a: "" });
  });

  it("reproduces HTTPD_ERRORLOG's empty timestamp on Apache 2.0-style error lines", () => {
    const line = "[Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] client denied";
    const parsed = grok("%{HTTPD_ERRORLOG}").match(line);
    expect(parsed?.timestamp).toBe("");
    expect(parsed?.loglevel).toBe("");
    expect(parsed?.clientip).toBe("127.0.0.1");
    expect(parsed?.errormsg).toBe("client denied");
  });

  it("does not map a sub-pattern's semantic that is also a direct semantic of the expression", () => {
    const library = base.with({ INNER: "%{WORD:name}" });
    expect({ ...grok("%{INT:name} %{INNER}", library).match("12 abc") }).toEqual({ name: "12" });
    expect({ ...grok("%{INNER} %{INT:name}", library).match("abc 12") }).toEqual({ name: "12" });
  });

  it("returns an empty string for an optional semantic that did not participate", () => {
    expect({ ...grok("^%{WORD:a}(?: %{INT:b})?$").match("x") }).toEqual({ a: "x", b: "" });
  });

  it("keeps the last iteration of a semantic inside a repetition (RE2, not JS)", () => {
    expect({ ...grok("^(?:%{WORD:w} )+$").match("a b c ") }).toEqual({ w: "c" });
  });

  it("gives an empty optional DATA an empty capture, as Go does", () => {
    expect({ ...grok("^%{WORD:k},%{DATA:puid}?").match("key,2") }).toEqual({ k: "key", puid: "" });
  });

  it("returns the group grokky's miscounted numbering points at, as CrowdSec does", () => {
    // The real group of `a` captures "q"; grokky's numbering points at the literal `(-|=…)`.
    expect({ ...grok("(?:%{WORD:h}|-) (-|=%{WORD:a})").match("p =q") }).toEqual({
      h: "p",
      a: "=q",
    });
  });

  it("ignores raw named groups: only %{…:semantic} captures are returned", () => {
    const g = grok(String.raw`(?P<raw>\d+) %{WORD:w}`);
    expect(g.fields).toEqual(["w"]);
  });
});

describe("compileGrok: matching", () => {
  it("searches unanchored and returns the leftmost match", () => {
    const g = grok("port %{INT:port}");
    expect({ ...g.match("from 1.2.3.4 port 22 ssh2 port 23") }).toEqual({ port: "22" });
  });

  it("prefers the first alternative over a longer one (leftmost-first)", () => {
    expect({ ...grok("^(?:%{WORD:a}|%{GREEDYDATA:b})").match("ab cd") }).toEqual({
      a: "ab",
      b: "",
    });
  });

  it("does not treat a leading ^ of one alternative as anchoring the whole expression", () => {
    const g = grok("^%{INT:n}|-%{WORD:w}");
    expect({ ...g.match("12") }).toEqual({ n: "12", w: "" });
    expect({ ...g.match("a -yz") }).toEqual({ n: "", w: "yz" });
  });

  it("returns null when the expression does not match", () => {
    expect(grok("^%{INT:n}$").match("12a")).toBeNull();
  });

  it("returns null for an expression without semantics even when it matches", () => {
    expect(grok("%{WORD}").fields).toEqual([]);
    expect(grok("%{WORD}").match("abc")).toBeNull();
    expect(grok("^abc$").match("abc")).toBeNull();
  });

  it("keeps Logstash-style %{NAME:field:type} as literal text, so it only matches itself", () => {
    const g = grok("%{WORD:w} %{INT:n:int}");
    expect(g.fields).toEqual(["w"]);
    expect(g.match("a 1")).toBeNull();
    expect({ ...g.match("a %{INT:n:int}") }).toEqual({ w: "a" });
  });

  it("keeps text after a trailing \\Q literal up to the end of the expression", () => {
    const g = grok(String.raw`%{WORD:w} \Q(x`);
    expect({ ...g.match("ab (x") }).toEqual({ w: "ab" });
    expect({ ...g.match("zz ab (x") }).toEqual({ w: "ab" });
    expect(g.match("ab x")).toBeNull();
  });

  it("finds a match that does not start at offset 0 after the anchored attempt fails", () => {
    const g = grok("%{IPV4:ip} port %{INT:port}");
    expect({ ...g.match("Failed password from 10.0.0.1 port 22 ssh2") }).toEqual({
      ip: "10.0.0.1",
      port: "22",
    });
  });

  it("applies inline flags such as (?i) as Go does", () => {
    const g = grok("SASL ((?i)LOGIN|PLAIN) %{WORD:user}");
    expect({ ...g.match("SASL login bob") }).toEqual({ user: "bob" });
    expect(g.match("SASL PLAIN bob")).not.toBeNull();
  });
});

describe("compileGrok: errors", () => {
  it("names the missing pattern", () => {
    try {
      grok("%{WORD:a} %{NO_SUCH_PATTERN:b}");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(GrokError);
      expect((error as GrokError).missingPattern).toBe("NO_SUCH_PATTERN");
      expect((error as Error).message).toBe("the 'NO_SUCH_PATTERN' pattern doesn't exist");
    }
  });

  it("reports an invalid regex after expansion", () => {
    expect(() => grok("%{WORD:a}(")).toThrow(GrokError);
    expect(() => grok("(?<=x)%{WORD:a}")).toThrow(/invalid regex/);
  });
});

describe("compileNamedGrok", () => {
  it("compiles a library pattern's definition (grok.name)", () => {
    const library = base.with({ MINE: "^%{WORD:a}-%{INT:b}$" });
    const g = compileNamedGrok("MINE", library);
    expect(g.pattern).toBe("^%{WORD:a}-%{INT:b}$");
    expect({ ...g.match("x-1") }).toEqual({ a: "x", b: "1" });
  });

  it("throws for an unknown name", () => {
    expect(() => compileNamedGrok("NOPE", base)).toThrow(/the 'NOPE' pattern doesn't exist/);
  });
});

describe("compileGrok with another PatternLibrary implementation", () => {
  const table: Record<string, string> = {
    NUM: "[0-9]+",
    PAIR: "%{NUM:x}/%{NUM:y}",
    LOOP: "%{LOOP}",
  };
  const custom: PatternLibrary = {
    get: (name) => table[name],
    with: () => custom,
  };

  it("expands through get()", () => {
    expect({ ...compileGrok("^%{PAIR:p}$", custom).match("1/2") }).toEqual({
      p: "1/2",
      x: "1",
      y: "2",
    });
  });

  it("rejects a self-referencing definition instead of recursing forever", () => {
    expect(() => compileGrok("%{LOOP:l}", custom)).toThrow(/refers to itself/);
  });
});
