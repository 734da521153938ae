import { ExpectMode, PipelineEvent, stringMap } from "../event.js";
import { compileExpr } from "../expr/index.js";
import { type CompiledScenario, compileScenario } from "./compile.js";
import { decodeScenarioFile } from "./config.js";

/** Compiles the scenarios of a YAML text with the plain expression compiler (unit tests). */
export function scenariosOf(yaml: string, path = "test.yaml"): CompiledScenario[] {
  return decodeScenarioFile(path, yaml).map((config) =>
    compileScenario(config, { path, compileExpr: (source) => compileExpr(source) }),
  );
}

/** A parsed replay event with `Meta` and `MarshaledTime` set. */
export function replayEvent(time: string, meta: Record<string, string>): PipelineEvent {
  const evt = new PipelineEvent({ ExpectMode: ExpectMode.TIMEMACHINE });
  evt.Meta = stringMap(meta);
  evt.MarshaledTime = time;
  evt.Process = true;
  return evt;
}
