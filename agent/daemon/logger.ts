/**
 * The daemon's structured logs, written by pino: one JSON object (default) or one logfmt line per
 * record on stderr, with `time`, `level`, `msg` and fields. CrowdSec logs through logrus in text
 * form (`time="..." level=info msg="..."`); logfmt mirrors that, JSON suits log shippers. pino has
 * no logfmt output of its own (its logfmt packages are transports, run in a worker thread), so
 * the logfmt line is rendered here from pino's JSON record, in logrus's key order.
 */
import { pino } from "pino";
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

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  level: LogLevel;
  format: "json" | "logfmt";
  write: (line: string) => void;
  now?: () => Date;
}

/** Errors are logged as their message, wherever they sit among the fields. */
function plainErrors(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? v.message : v;
  return out;
}

function logfmtValue(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? "null");
  return /^[^\s"=\\]+$/.test(text) ? text : JSON.stringify(text);
}

/** pino's JSON record (`level`, `time`, fields…, `msg`) as a logrus-ordered logfmt line. */
function toLogfmt(json: string): string {
  const { time, level, msg, ...fields } = JSON.parse(json) as LogFields;
  const parts = Object.entries({ time, level, msg, ...fields }).map(
    ([k, v]) => `${k}=${logfmtValue(v)}`,
  );
  return `${parts.join(" ")}\n`;
}

function wrap(log: pino.Logger): Logger {
  return {
    debug: (msg, fields) => log.debug(fields ?? {}, msg),
    info: (msg, fields) => log.info(fields ?? {}, msg),
    warn: (msg, fields) => log.warn(fields ?? {}, msg),
    error: (msg, fields) => log.error(fields ?? {}, msg),
    with: (fields) => wrap(log.child(plainErrors(fields))),
  };
}

/** A logger writing records at or above `level`, synchronously through `write`. */
export function createLogger(options: LoggerOptions, bound: LogFields = {}): Logger {
  const now = options.now ?? (() => new Date());
  const { write, format } = options;
  const log = pino(
    {
      level: options.level,
      base: undefined, // no pid / hostname
      messageKey: "msg",
      timestamp: () => `,"time":"${now().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }), log: plainErrors },
    },
    { write: format === "json" ? write : (line: string) => write(toLogfmt(line)) },
  );
  return wrap(Object.keys(bound).length > 0 ? log.child(plainErrors(bound)) : log);
}

/** A logger that drops everything (tests). */
export function silentLogger(): Logger {
  return createLogger({ level: "error", format: "json", write: () => {} });
}
