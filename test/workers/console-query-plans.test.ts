import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { AlertFilter } from "../../src/db/alert-filters";
import { openDb } from "../../src/db/client";
import { readAlertPage, readDecisionPage, readOverview } from "../../src/db/console";
import { parseIpOrRange } from "../../src/shared/ip-range";

/**
 * The console's queries must stay fast on 100,000 alerts: each is run through a recording D1
 * handle, then its `EXPLAIN QUERY PLAN` (same SQL, same parameters) is checked. The overview reads
 * its window's hourly counts through their primary key (SEARCH, never SCAN of a table); list pages are read in index
 * order (no temporary sort, so `LIMIT` stops after one page) or from an index SEARCH that narrows
 * them first (one source's alerts).
 */

interface Recorded {
  sql: string;
  params: unknown[];
}

function recordingDb() {
  const seen: Recorded[] = [];
  const d1 = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "prepare") {
        return (sql: string) => {
          const stmt = target.prepare(sql);
          const bind = stmt.bind.bind(stmt);
          seen.push({ sql, params: [] });
          const entry = seen.at(-1)!;
          return Object.assign(stmt, {
            bind: (...params: unknown[]) => {
              entry.params = params;
              return bind(...params);
            },
          });
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db: openDb(d1), seen };
}

async function plans(seen: Recorded[]): Promise<string[][]> {
  const out: string[][] = [];
  for (const q of seen) {
    const r = await env.DB.prepare(`EXPLAIN QUERY PLAN ${q.sql}`)
      .bind(...q.params)
      .all<{ detail: string }>();
    out.push(r.results.map((row) => row.detail));
  }
  return out;
}

const TABLES = /^SCAN (alerts|decisions|events|meta|machines|bouncers)\b(?! USING)/;

const baseFilter: AlertFilter = {
  contains: true,
  excludeCapi: false,
  legacyCapiFilter: false,
  excludeSimulated: false,
  limit: null,
  sortAsc: false,
  withDecisions: false,
};

describe("console query plans", () => {
  it("reads the overview from the hourly counts and the decisions' until index", async () => {
    const { db, seen } = recordingDb();
    await readOverview(db, Date.now() - 86_400_000, Date.now(), 10);
    const all = await plans(seen);
    const hourly = all.filter((_, i) => seen[i]!.sql.includes('from "console_hourly"'));
    const active = all.filter((_, i) => seen[i]!.sql.includes('from "decisions"'));
    // Two histograms and three top lists, then the active decisions count.
    expect(hourly.length).toBeGreaterThanOrEqual(5);
    for (const plan of hourly) {
      expect(plan.join("\n")).toMatch(/SEARCH console_hourly USING (COVERING )?INDEX/);
    }
    expect(active).toHaveLength(1);
    expect(active[0]!.join("\n")).toMatch(/SEARCH decisions USING COVERING INDEX decisions_until/);
    for (const plan of all) expect(plan.some((d) => TABLES.test(d))).toBe(false);
  });

  it("pages alerts in index order, filtered or not, with a cursor", async () => {
    const cases: AlertFilter[] = [
      baseFilter,
      { ...baseFilter, scenario: "crowdsecurity/ssh-bf" },
      { ...baseFilter, scope: "Ip", value: "192.0.2.1" },
      { ...baseFilter, since: Date.now() - 3_600_000, hasActiveDecision: true },
      { ...baseFilter, ip: parseIpOrRange("192.0.2.0/24")! },
    ];
    for (const f of cases) {
      const { db, seen } = recordingDb();
      await readAlertPage(db, f, { createdAt: Date.now(), id: 1_000_000 }, 50, Date.now());
      const [page] = await plans(seen);
      const text = page!.join("\n");
      expect(
        page!.some((d) => /^SCAN alerts$/.test(d)),
        text,
      ).toBe(false);
      // Sorting is fine only after an index SEARCH narrowed the rows (one source's alerts).
      if (text.includes("USE TEMP B-TREE FOR ORDER BY")) {
        expect(text, JSON.stringify(f)).toMatch(/SEARCH alerts USING (INDEX|INTEGER PRIMARY KEY)/);
      }
    }
  });

  it("searches decisions by IP, scenario and origin through indexes", async () => {
    const cases = [
      { contains: true, activeOnly: true, ip: parseIpOrRange("192.0.2.7")! },
      { contains: false, activeOnly: true, ip: parseIpOrRange("192.0.2.0/24")! },
      { contains: true, activeOnly: true, scenario: "crowdsecurity/ssh-bf" },
      { contains: true, activeOnly: false, origin: "cscli" },
    ];
    for (const s of cases) {
      const { db, seen } = recordingDb();
      await readDecisionPage(db, s, null, 50, Date.now());
      const [plan] = await plans(seen);
      const text = plan!.join("\n");
      expect(text, JSON.stringify(s)).toMatch(/SEARCH decisions USING INDEX decisions_/);
      expect(
        plan!.some((d) => TABLES.test(d)),
        text,
      ).toBe(false);
    }
  });

  it("reads the unfiltered decision page in id order, without sorting", async () => {
    const { db, seen } = recordingDb();
    await readDecisionPage(db, { contains: true, activeOnly: true }, 5000, 50, Date.now());
    const [plan] = await plans(seen);
    const text = plan!.join("\n");
    expect(text).not.toContain("USE TEMP B-TREE");
  });
});
