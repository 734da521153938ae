/**
 * JSON decoding with Go's observable behaviour, because CrowdSec clients print the LAPI's error
 * text verbatim (the handlers of CrowdSec pkg/apiserver/controllers/v1/*.go bind bodies with
 * gin's `ShouldBindJSON`): syntax errors in `encoding/json` wording, case-insensitive field
 * matching, unknown keys ignored, type errors naming the Go struct field, and go-swagger's
 * "validation failure list" (pkg/models) for required fields.
 */

/** A Go type as far as decoding needs it. */
export type GoType =
  | { kind: "string" }
  | { kind: "bool" }
  | { kind: "int"; go: "int" | "int32" | "int64" }
  | { kind: "float"; go: "float32" | "float64" }
  | { kind: "any" }
  | { kind: "array"; of: GoType; goName?: string }
  | { kind: "map"; of: GoType }
  | { kind: "struct"; name: string; fields: Record<string, FieldSpec>; goName?: string };

export interface FieldSpec {
  type: GoType;
  /** go-swagger `required`: present and not null (empty string, 0 and [] pass). */
  required?: boolean;
}

export const t = {
  string: { kind: "string" },
  bool: { kind: "bool" },
  int32: { kind: "int", go: "int32" },
  int64: { kind: "int", go: "int64" },
  float32: { kind: "float", go: "float32" },
  float64: { kind: "float", go: "float64" },
  any: { kind: "any" },
  array: <T extends GoType>(of: T) => ({ kind: "array", of }) as const,
  map: <T extends GoType>(of: T) => ({ kind: "map", of }) as const,
  struct: (name: string, fields: Record<string, FieldSpec>): GoType => ({
    kind: "struct",
    name,
    fields,
  }),
} as const satisfies Record<string, GoType | ((...args: never[]) => GoType)>;

/**
 * The value {@link decodeAs} yields for a Go type (what `z.infer` is to a zod schema): every
 * struct field optional, and JSON `null` (absent) as `undefined`, array items included.
 */
export type GoValue<T> = T extends { kind: "string" }
  ? string
  : T extends { kind: "bool" }
    ? boolean
    : T extends { kind: "int" | "float" }
      ? number
      : T extends { kind: "array"; of: infer O }
        ? (GoValue<O> | undefined)[]
        : T extends { kind: "map"; of: infer O }
          ? Record<string, GoValue<O> | undefined>
          : T extends { kind: "struct"; fields: infer F }
            ? { -readonly [K in keyof F]?: F[K] extends { type: infer X } ? GoValue<X> : never }
            : unknown;

export type DecodeResult<T> =
  | { ok: true; value: T }
  | { ok: false; kind: "syntax" | "type" | "validation"; message: string };

/** Parses JSON text, returning Go's decoder error text (`EOF`, `invalid character …`) on failure. */
export function parseGoJson(
  text: string,
): { ok: true; value: unknown } | { ok: false; message: string } {
  if (text.trim() === "") return { ok: false, message: "EOF" };
  try {
    const value = JSON.parse(text);
    // JSON.parse takes any depth; Go's scanner stops at 10,000 open containers. Only a text with
    // that many brackets can be that deep, so the scanner runs only then.
    if (mayExceedDepth(text)) {
      const end = scanValueEnd(text);
      if (!end.ok) return { ok: false, message: end.message };
    }
    return { ok: true, value };
  } catch {
    // A Go decoder reads one value and ignores what follows it; JSON.parse does not.
    const end = scanValueEnd(text);
    if (end.ok) {
      try {
        return { ok: true, value: JSON.parse(text.slice(0, end.index)) };
      } catch {
        /* fall through to the scanner's message */
      }
    }
    return { ok: false, message: end.ok ? "unexpected EOF" : end.message };
  }
}

function quoteChar(ch: string): string {
  if (ch === "'") return "'\\''";
  if (ch === '"') return "'\"'";
  const q = JSON.stringify(ch);
  return `'${q.slice(1, -1)}'`;
}

type ScanEnd = { ok: true; index: number } | { ok: false; message: string };

/** encoding/json's scanner refuses deeper nesting (and we must not recurse without bound). */
const MAX_NESTING_DEPTH = 10_000;

/** Whether `text` holds at least MAX_NESTING_DEPTH + 1 opening brackets (strings included). */
function mayExceedDepth(text: string): boolean {
  if (text.length <= MAX_NESTING_DEPTH * 2) return false;
  let opens = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c === 0x5b || c === 0x7b) && ++opens > MAX_NESTING_DEPTH) return true;
  }
  return false;
}

/** Walks one JSON value like Go's scanner, returning where it ends or Go's error text. */
function scanValueEnd(s: string): ScanEnd {
  let i = 0;
  const ws = () => {
    while (i < s.length && " \t\r\n".includes(s[i]!)) i++;
  };
  const fail = (context: string): never => {
    if (i >= s.length) throw new ScanError("unexpected EOF");
    throw new ScanError(`invalid character ${quoteChar(s[i]!)} ${context}`);
  };
  const literal = (word: string) => {
    for (let k = 1; k < word.length; k++) {
      i++;
      if (i >= s.length) throw new ScanError("unexpected EOF");
      if (s[i] !== word[k]) fail(`in literal ${word} (expecting ${quoteChar(word[k]!)})`);
    }
    i++;
  };
  const str = () => {
    i++;
    while (i < s.length) {
      const ch = s[i]!;
      if (ch === '"') {
        i++;
        return;
      }
      if (ch < " ") fail("in string literal");
      if (ch === "\\") {
        i++;
        if (i >= s.length) break;
        if (s[i] === "u") {
          for (let k = 0; k < 4; k++) {
            i++;
            if (i >= s.length) break;
            if (!/[0-9a-fA-F]/.test(s[i]!)) fail("in \\u hexadecimal character escape");
          }
        } else if (!'"\\/bfnrt'.includes(s[i]!)) fail("in string escape code");
      }
      i++;
    }
    throw new ScanError("unexpected EOF");
  };
  const num = () => {
    if (s[i] === "-") i++;
    if (i >= s.length) throw new ScanError("unexpected EOF");
    if (s[i] === "0") i++;
    else if (/[1-9]/.test(s[i]!)) while (i < s.length && /\d/.test(s[i]!)) i++;
    else fail("in numeric literal");
    if (s[i] === ".") {
      i++;
      if (i >= s.length) throw new ScanError("unexpected EOF");
      if (!/\d/.test(s[i]!)) fail("after decimal point in numeric literal");
      while (i < s.length && /\d/.test(s[i]!)) i++;
    }
    if (s[i] === "e" || s[i] === "E") {
      i++;
      if (s[i] === "+" || s[i] === "-") i++;
      if (i >= s.length) throw new ScanError("unexpected EOF");
      if (!/\d/.test(s[i]!)) fail("in exponent of numeric literal");
      while (i < s.length && /\d/.test(s[i]!)) i++;
    }
  };
  const scalar = (ch: string) => {
    if (ch === '"') str();
    else if (ch === "t") literal("true");
    else if (ch === "f") literal("false");
    else if (ch === "n") literal("null");
    else if (ch === "-" || /\d/.test(ch)) num();
    else fail("looking for beginning of value");
  };
  const objectKey = () => {
    ws();
    if (s[i] !== '"') fail("looking for beginning of object key string");
    str();
    ws();
    if (s[i] !== ":") fail("after object key");
    i++;
  };
  // An explicit stack of open containers: hostile nesting must not exhaust the call stack.
  const open: Array<"{" | "["> = [];
  const scan = (): void => {
    for (;;) {
      ws();
      if (i >= s.length) throw new ScanError("unexpected EOF");
      const ch = s[i]!;
      if (ch === "{" || ch === "[") {
        if (open.length >= MAX_NESTING_DEPTH) {
          throw new ScanError(`invalid character ${quoteChar(ch)} exceeded max depth`);
        }
        i++;
        ws();
        const close = ch === "{" ? "}" : "]";
        if (s[i] === close) i++;
        else {
          open.push(ch);
          if (ch === "{") objectKey();
          continue;
        }
      } else scalar(ch);
      // A value ended: close every container that ends here, or move to its next element.
      for (;;) {
        const top = open[open.length - 1];
        if (!top) return;
        ws();
        if (s[i] === ",") {
          i++;
          if (top === "{") objectKey();
          break;
        }
        if (s[i] === (top === "{" ? "}" : "]")) {
          i++;
          open.pop();
          continue;
        }
        fail(top === "{" ? "after object key:value pair" : "after array element");
      }
    }
  };
  try {
    scan();
    return { ok: true, index: i };
  } catch (e) {
    if (e instanceof ScanError) return { ok: false, message: e.message };
    throw e;
  }
}

class ScanError extends Error {}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  if (typeof v === "object") return "object";
  if (typeof v === "boolean") return "bool";
  return typeof v;
}

function goTypeName(type: GoType): string {
  switch (type.kind) {
    case "string":
      return "string";
    case "bool":
      return "bool";
    case "int":
    case "float":
      return type.go;
    case "any":
      return "interface {}";
    case "array":
      return type.goName ?? `[]${goTypeName(type.of)}`;
    case "map":
      return `map[string]${goTypeName(type.of)}`;
    case "struct":
      return type.goName ?? type.name;
  }
}

const INT_BOUNDS = { int: 2 ** 63, int64: 2 ** 63, int32: 2 ** 31 } as const;

/** Finds a key the way encoding/json does: exact match first, then case-insensitive. */
export function lookupKey(obj: Record<string, unknown>, name: string): string | undefined {
  if (Object.hasOwn(obj, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === lower);
}

interface DecodeState {
  typeError: string | null;
  missing: string[];
  innermostStruct: boolean;
}

export interface DecodeAsOptions {
  /**
   * Name type errors after the innermost struct, as encoding/json does for nested structs
   * (`Go struct field Source.source.latitude`); by default the outermost name is kept.
   */
  innermostStruct?: boolean;
}

/**
 * Decodes a parsed JSON value into a plain object keyed by the spec's field names, ignoring
 * unknown keys. The first type error wins (Go keeps decoding but reports the first); then
 * required-field failures are listed in document order with go-swagger's index prefixes.
 */
export function decodeAs<T>(
  value: unknown,
  type: GoType,
  topName: string,
  options: DecodeAsOptions = {},
): DecodeResult<T> {
  const state: DecodeState = {
    typeError: null,
    missing: [],
    innermostStruct: options.innermostStruct ?? false,
  };
  const out = decodeValue(value, type, state, { struct: topName, field: "", swagger: "" }, true);
  if (state.typeError) return { ok: false, kind: "type", message: state.typeError };
  if (state.missing.length > 0) {
    return {
      ok: false,
      kind: "validation",
      message: `validation failure list:\n${state.missing.join("\n")}`,
    };
  }
  return { ok: true, value: out as T };
}

interface Where {
  /** Go name of the outermost struct, e.g. `AllMetrics` (or the top value's type name). */
  struct: string;
  /** JSON field path inside it, e.g. `remediation_components.utc_startup_timestamp`. */
  field: string;
  /** go-swagger path, e.g. `0.decisions.1.origin`. */
  swagger: string;
}

/** Go's `reflect.Type.Name()`, which field errors use: no package (`models.X` → `X`). */
function bareName(goName: string): string {
  return goName.slice(goName.lastIndexOf(".") + 1);
}

function typeError(state: DecodeState, v: unknown, type: GoType, where: Where, top: boolean) {
  if (state.typeError) return;
  // encoding/json quotes the literal only when a number does not fit a numeric type.
  const what = typeof v === "number" && type.kind === "int" ? `number ${v}` : jsonKind(v);
  state.typeError =
    top || where.field === ""
      ? `json: cannot unmarshal ${what} into Go value of type ${where.struct}`
      : `json: cannot unmarshal ${what} into Go struct field ${bareName(where.struct)}.${where.field} of type ${goTypeName(type)}`;
}

function decodeValue(
  v: unknown,
  type: GoType,
  state: DecodeState,
  where: Where,
  top = false,
): unknown {
  if (v === null || v === undefined) return undefined;
  switch (type.kind) {
    case "any":
      return v;
    case "string":
      if (typeof v !== "string") return typeError(state, v, type, where, top);
      return v;
    case "bool":
      if (typeof v !== "boolean") return typeError(state, v, type, where, top);
      return v;
    case "int": {
      const bound = INT_BOUNDS[type.go];
      if (typeof v !== "number" || !Number.isInteger(v) || v >= bound || v < -bound) {
        return typeError(state, v, type, where, top);
      }
      return v;
    }
    case "float":
      if (typeof v !== "number") return typeError(state, v, type, where, top);
      return v;
    case "array": {
      if (!Array.isArray(v)) return typeError(state, v, type, where, top);
      return v.map((item, i) =>
        decodeValue(item, type.of, state, {
          ...where,
          swagger: where.swagger === "" ? `${i}` : `${where.swagger}.${i}`,
        }),
      );
    }
    case "map": {
      if (typeof v !== "object" || Array.isArray(v)) return typeError(state, v, type, where, top);
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
        out[k] = decodeValue(item, type.of, state, where);
      }
      return out;
    }
    case "struct": {
      if (typeof v !== "object" || Array.isArray(v)) {
        // Inside a struct field Go names the enclosing struct; elsewhere the value's own type.
        const struct = where.field === "" ? (type.goName ?? type.name) : where.struct;
        return typeError(state, v, type, { ...where, struct }, top);
      }
      const obj = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [name, spec] of Object.entries(type.fields)) {
        const key = lookupKey(obj, name);
        const raw = key === undefined ? undefined : obj[key];
        const swagger = where.swagger === "" ? name : `${where.swagger}.${name}`;
        if (raw === undefined || raw === null) {
          if (spec.required) state.missing.push(`${swagger} in body is required`);
          continue;
        }
        out[name] = decodeValue(raw, spec.type, state, {
          struct: state.innermostStruct ? type.name : where.struct,
          field: where.field === "" ? name : `${where.field}.${name}`,
          swagger,
        });
      }
      return out;
    }
  }
}
