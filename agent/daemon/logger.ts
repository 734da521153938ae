/**
 * The daemon's structured logs: one JSON object (default) or one logfmt line per record on
 * stderr, with `time`, `level`, `msg` and fields. CrowdSec logs through logrus in text form
 * (`time="..." level=info msg="..."`); logfmt mirrors that, JSON suits log shippers.
 */
import type { LogLevel } from "../config/agent-config.js";

/** Structured fields of a record. */
export type LogFields = Record<string, unknown>;

/** A leveled logger; `with` adds fields to every record. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  with(fields: LogFields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  level: LogLevel;
  format: "json" | "logfmt";
  write: (line: string) => void;
  now?: () => Date;
}

function logfmtValue(value: unknown): string {
  const text =
    value instanceof Error
      ? value.message
      : typeof value === "string"
        ? value
        : (JSON.stringify(value) ?? "null");
  return /^[^\s"=\\]+$/.test(text) ? text : JSON.stringify(text);
}

function plain(value: unknown): unknown {
  return value instanceof Error ? value.message : value;
}

/** A logger writing records at or above `level`. */
export function createLogger(options: LoggerOptions, bound: LogFields = {}): Logger {
  const threshold = RANK[options.level];
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, msg: string, fields: LogFields = {}) => {
    if (RANK[level] < threshold) return;
    const record: LogFields = { time: now().toISOString(), level, msg, ...bound, ...fields };
    if (options.format === "json") {
      const out: LogFields = {};
      for (const [k, v] of Object.entries(record)) out[k] = plain(v);
      options.write(`${JSON.stringify(out)}\n`);
    } else {
      const parts = Object.entries(record).map(([k, v]) => `${k}=${logfmtValue(v)}`);
      options.write(`${parts.join(" ")}\n`);
    }
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    with: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

/** A logger that drops everything (tests). */
export function silentLogger(): Logger {
  return createLogger({ level: "error", format: "json", write: () => {} });
}
