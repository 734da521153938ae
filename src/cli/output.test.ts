import { describe, expect, it } from "vitest";
import { csv, json, paint, table } from "./output.js";

describe("output", () => {
  it("draws cscli's ASCII table, with a coloured header only when asked", () => {
    expect(table(["ID", "Name"], [[1, "a"]], false)).toBe(
      "+----+------+\n| ID | Name |\n+----+------+\n| 1  | a    |\n+----+------+\n",
    );
    expect(table(["ID"], [[1]], true)).toBe(
      "+----+\n| \u001b[36mID\u001b[0m |\n+----+\n| 1  |\n+----+\n",
    );
    expect(paint(false, "green", "ok")).toBe("ok");
    expect(paint(true, "green", "ok")).toBe("\u001b[32mok\u001b[0m");
  });

  it("quotes CSV cells like Go's encoding/csv and indents JSON like cscli", () => {
    expect(
      csv(
        ["a", "b"],
        [
          ["x,y", 'say "hi"'],
          [null, 2],
        ],
      ),
    ).toBe('a,b\n"x,y","say ""hi"""\n,2\n');
    expect(json({ a: [1] })).toBe('{\n "a": [\n  1\n ]\n}\n');
    expect(json(undefined)).toBe("null\n");
  });
});
