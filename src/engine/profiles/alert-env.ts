/**
 * The `Alert` object of profile expressions: Go field names of `models.Alert`
 * (`Alert.Remediation`, `Alert.Source.Cn`, `Alert.Events[0].Meta`) and its getter methods
 * (`GetScope()`, `GetValue()`, `GetScenario()`, `GetEventsCount()`, `GetMeta(key)`), built from
 * the posted JSON. Missing optional strings read as "" and numbers as 0, like Go zero values.
 */
import type { ProfileAlertInput, ProfileMetaItem } from "./alert-input.js";

interface GoMetaItem {
  Key: string;
  Value: string;
}

const metaItems = (items: readonly (ProfileMetaItem | undefined)[] | undefined): GoMetaItem[] =>
  (items ?? [])
    .filter((m): m is ProfileMetaItem => m !== undefined)
    .map((m) => ({ Key: m.key ?? "", Value: m.value ?? "" }));

class GoEvent {
  constructor(
    readonly Timestamp: string,
    readonly Meta: GoMetaItem[],
  ) {}

  GetMeta(key: string): string {
    return this.Meta.find((m) => m.Key === key)?.Value ?? "";
  }
}

/** `models.Alert` for expr; methods live on the prototype so expr calls them with `this`. */
export class ExprAlert {
  readonly Capacity: number;
  readonly Decisions: Record<string, unknown>[];
  readonly Events: GoEvent[];
  readonly EventsCount: number;
  readonly ID = 0;
  readonly Labels: string[] = [];
  readonly Leakspeed: string;
  readonly MachineID: string;
  readonly Message: string;
  readonly Meta: GoMetaItem[];
  readonly Remediation: boolean;
  readonly Scenario: string;
  readonly ScenarioHash: string;
  readonly ScenarioVersion: string;
  readonly Simulated: boolean;
  readonly Source: Record<string, unknown>;
  readonly StartAt: string;
  readonly StopAt: string;
  readonly UUID = "";

  constructor(a: ProfileAlertInput, machineId: string) {
    const s = a.source ?? {};
    this.Capacity = a.capacity ?? 0;
    this.Decisions = (a.decisions ?? [])
      .filter((d) => d !== undefined)
      .map((d) => ({
        Duration: d.duration ?? "",
        Origin: d.origin ?? "",
        Scenario: d.scenario ?? "",
        Scope: d.scope ?? "",
        Type: d.type ?? "",
        Value: d.value ?? "",
        Simulated: d.simulated ?? false,
      }));
    this.Events = (a.events ?? [])
      .filter((e) => e !== undefined)
      .map((e) => new GoEvent(e.timestamp ?? "", metaItems(e.meta)));
    this.EventsCount = a.events_count ?? 0;
    this.Leakspeed = a.leakspeed ?? "";
    this.MachineID = machineId;
    this.Message = a.message ?? "";
    this.Meta = metaItems(a.meta);
    this.Remediation = a.remediation ?? false;
    this.Scenario = a.scenario ?? "";
    this.ScenarioHash = a.scenario_hash ?? "";
    this.ScenarioVersion = a.scenario_version ?? "";
    this.Simulated = a.simulated ?? false;
    this.Source = {
      AsName: s.as_name ?? "",
      AsNumber: s.as_number ?? "",
      Cn: s.cn ?? "",
      IP: s.ip ?? "",
      Latitude: s.latitude ?? 0,
      Longitude: s.longitude ?? 0,
      Range: s.range ?? "",
      Scope: s.scope ?? "",
      Value: s.value ?? "",
    };
    this.StartAt = a.start_at ?? "";
    this.StopAt = a.stop_at ?? "";
  }

  GetScope(): string {
    return this.Source.Scope as string;
  }

  GetValue(): string {
    return this.Source.Value as string;
  }

  GetScenario(): string {
    return this.Scenario;
  }

  GetEventsCount(): number {
    return this.EventsCount;
  }

  GetMeta(key: string): string {
    return this.Meta.find((m) => m.Key === key)?.Value ?? "";
  }
}
