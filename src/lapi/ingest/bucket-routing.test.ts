import { describe, expect, it } from "vitest";
import { allShardNames, bucketObjectName, partitionKey } from "./bucket-routing";

const target = (
  scenario: string,
  group: string,
  mode: "deployment" | "machine",
  machineId = "m1",
) => ({
  key: partitionKey(scenario, group, "c1", mode, machineId),
  group,
  mode,
  machineId,
});

describe("bucket routing", () => {
  it("keys a deployment-wide partition by scenario, group and content only", () => {
    expect(partitionKey("a/ssh-bf", "192.0.2.1", "c1", "deployment", "m1")).toBe(
      partitionKey("a/ssh-bf", "192.0.2.1", "c1", "deployment", "m2"),
    );
    expect(partitionKey("a/ssh-bf", "192.0.2.1", "c1", "deployment", "m1")).toBe(
      "a/ssh-bf\u0000192.0.2.1\u0000c1",
    );
  });

  it("never shares a partition between different contents of one scenario", () => {
    expect(partitionKey("a/ssh-bf", "192.0.2.1", "c1", "deployment", "m1")).not.toBe(
      partitionKey("a/ssh-bf", "192.0.2.1", "c2", "deployment", "m2"),
    );
  });

  it("keys a per-machine partition by machine too", () => {
    expect(partitionKey("a/ssh-bf", "192.0.2.1", "c1", "machine", "m1")).not.toBe(
      partitionKey("a/ssh-bf", "192.0.2.1", "c1", "machine", "m2"),
    );
  });

  it("puts every scenario of one source in the same object", () => {
    const names = ["a/ssh-bf", "a/ssh-bf_user-enum", "a/ssh-slow-bf"].map((s) =>
      bucketObjectName(target(s, "198.51.100.7", "deployment"), 32),
    );
    expect(new Set(names).size).toBe(1);
    expect(allShardNames(32)).toContain(names[0]);
  });

  it("spreads sources over the shards", () => {
    const used = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      used.add(bucketObjectName(target("a/x", `10.0.${i >> 8}.${i & 255}`, "deployment"), 32));
    }
    expect(used.size).toBe(32);
  });

  it("names an object per key when shards is 0, without NUL characters", () => {
    const name = bucketObjectName(target("a/ssh-bf", "192.0.2.1", "machine"), 0);
    expect(name).toBe("key:a%2Fssh-bf%00192.0.2.1%00c1%00m1");
  });

  it("names shards shard:<i>/<N> (N in the name: another shard count means other objects)", () => {
    expect(bucketObjectName(target("a/ssh-bf", "192.0.2.1", "deployment"), 32)).toBe(
      bucketObjectName(target("b/other", "192.0.2.1", "deployment"), 32),
    );
    expect(bucketObjectName(target("a/ssh-bf", "192.0.2.1", "deployment"), 32)).toMatch(
      /^shard:\d+\/32$/,
    );
  });
});
