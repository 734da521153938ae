import { describe, expect, it } from "vitest";
import type { HubItem } from "../../src/engine/hub/hub-index.js";
import type { HubSource } from "../../src/engine/hub/hub-loader.js";
import { hubRegistrationSchema } from "../../src/shared/ingest-wire.js";
import { buildHubRegistration, hubFileHash, referencedDataFiles } from "./hub-registration.js";

const SCENARIO = `type: trigger
name: me/words
description: d
filter: "evt.Meta.word in File('words.txt')"
data:
  - source_url: https://example.invalid/words.txt
    dest_file: words.txt
    type: string
  - dest_file: absent.txt
    type: string
---
type: trigger
name: me/other
description: d
filter: "true"
`;
const POSTOVERFLOW = `name: me/cdn
whitelist:
  reason: cdn
  ip: ["192.0.2.1"]
`;

const item = (type: HubItem["type"], name: string, path: string, stage = ""): HubItem => ({
  type,
  name,
  path,
  stage,
  version: "0.2",
  members: { parsers: [], postoverflows: [], scenarios: [], collections: [] },
});

const files: Record<string, string> = {
  "scenarios/me/words.yaml": SCENARIO,
  "postoverflows/s01-whitelist/me/cdn.yaml": POSTOVERFLOW,
};
const source: HubSource = {
  readHub: (path) => files[path] ?? null,
  readData: (name) => (name === "words.txt" ? "alpha\nbeta\n" : null),
  patterns: {},
};

describe("hub registration", () => {
  it("sends each file verbatim with its sha256, version, stage and the data files it names", () => {
    const { registration, problems } = buildHubRegistration(source, {
      scenarios: [
        item("scenarios", "me/words", "scenarios/me/words.yaml"),
        item("scenarios", "me/gone", "scenarios/me/gone.yaml"),
      ],
      postoverflows: [
        item("postoverflows", "me/cdn", "postoverflows/s01-whitelist/me/cdn.yaml", "s01-whitelist"),
      ],
    });
    expect(hubRegistrationSchema.parse(registration)).toEqual(registration);
    expect(registration.scenarios).toEqual([
      { name: "me/words", hash: hubFileHash(SCENARIO), version: "0.2", content: SCENARIO },
    ]);
    expect(registration.postoverflows).toEqual([
      {
        name: "me/cdn",
        hash: hubFileHash(POSTOVERFLOW),
        version: "0.2",
        content: POSTOVERFLOW,
        stage: "s01-whitelist",
      },
    ]);
    expect(registration.data).toEqual({ "words.txt": "alpha\nbeta\n" });
    expect(problems).toEqual([
      { item: "me/words", reason: "data file absent.txt not found" },
      { item: "me/gone", reason: "scenarios/me/gone.yaml not found in hub" },
    ]);
  });

  it("finds data files in every document and none in YAML it cannot read", () => {
    expect(referencedDataFiles(SCENARIO)).toEqual(["words.txt", "absent.txt"]);
    expect(referencedDataFiles("a: [unclosed")).toEqual([]);
  });
});
