import { describe, expect, it } from "vitest";
import { parseTemplate, renderTemplate, TemplateError } from "./go-template";

const alerts = [
  {
    scenario: "crowdsecurity/ssh-bf",
    source: { scope: "Ip", value: "192.0.2.1", ip: "192.0.2.1", cn: "FR" },
    events: [
      { timestamp: "t", meta: [] },
      { timestamp: "t", meta: [] },
    ],
    decisions: [
      { type: "ban", value: "192.0.2.1", duration: "4h", scenario: "crowdsecurity/ssh-bf" },
    ],
    message: "a <b> & c",
  },
  {
    scenario: "x/y",
    source: { scope: "Ip", value: "192.0.2.2" },
    events: [],
    decisions: null,
    message: "",
  },
];

const render = (text: string, data: unknown = alerts) => renderTemplate(parseTemplate(text), data);

describe("Go template subset", () => {
  it("ranges over alerts and decisions with variables, if/else and whitespace trimming", () => {
    const text = `{{range . -}}
{{$alert := . -}}
{{range .Decisions -}}
{{if $alert.Source.Cn -}}
:flag-{{$alert.Source.Cn}}: {{.Value}} gets {{.Type}} for {{.Duration}}
{{- else -}}
{{.Value}} gets {{.Type}}
{{- end}} ({{len $alert.Events}} events)
{{end -}}
{{else}}none{{end}}`;
    expect(render(text)).toBe(":flag-FR: 192.0.2.1 gets ban for 4h (2 events)\n");
    expect(render(text, [])).toBe("none");
  });

  it("prints JSON like Go's encoder, through a pipe or a call", () => {
    expect(render("{{.|toJson}}", [{ message: "a <b> & c" }])).toBe(
      '[{"message":"a \\u003cb\\u003e \\u0026 c"}]',
    );
    expect(render("{{toJson (index . 1).Source}}")).toBe('{"scope":"Ip","value":"192.0.2.2"}');
  });

  it("supports else if, with, comparison and logic functions, printf and literals", () => {
    const text =
      "{{range $i, $a := .}}{{/* note */}}{{$i}}:{{if eq $a.Scenario `x/y`}}xy{{else if and $a.Source.Cn (gt (len $a.Events) 1)}}cn{{end}}" +
      '{{with $a.Decisions}}/{{len .}}{{else}}/-{{end}} {{printf "%q" $a.Source.Value | upper}};{{end}}';
    expect(render(text)).toBe('0:cn/1 "192.0.2.1";1:xy/- "192.0.2.2";');
  });

  it("keeps }} inside a string literal of an action", () => {
    expect(render('{{printf "%s}}" "a"}}')).toBe("a}}");
  });

  it("prints <no value> for a missing field, as Go does for a missing map key", () => {
    expect(render("{{(index . 1).Source.Cn}}")).toBe("<no value>");
  });

  it.each([
    ["{{template `x`}}", /\{\{template\}\} is not supported/],
    ["{{.Nope}}", /line 1: can't evaluate field Nope/],
    ["{{range .}}", /unexpected EOF: missing \{\{end\}\}/],
    ["a\n{{sha256sum .}}", /line 2: function "sha256sum" not defined/],
    ["{{end}}", /unexpected \{\{end\}\}/],
    ["{{else}}", /unexpected \{\{else\}\}/],
    ["{{.Scenario", /unclosed action/],
    ["{{.Scenario 1}}", /can't give argument to non-function/],
  ])("refuses %j", (text, message) => {
    expect(() => parseTemplate(text)).toThrow(TemplateError);
    expect(() => parseTemplate(text)).toThrow(message);
  });
});
