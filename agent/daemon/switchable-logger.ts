/** A logger whose target can be swapped on reload (level, format) while every holder keeps it. */
import type { LogFields, Logger } from "./logger.js";

/** Returns the stable logger and the function that swaps what it writes through. */
export function switchableLogger(initial: Logger): { log: Logger; set: (next: Logger) => void } {
  let current = initial;
  const log: Logger = {
    debug: (m, f) => current.debug(m, f),
    info: (m, f) => current.info(m, f),
    warn: (m, f) => current.warn(m, f),
    error: (m, f) => current.error(m, f),
    with: (fields: LogFields) => current.with(fields),
  };
  return { log, set: (next) => (current = next) };
}
