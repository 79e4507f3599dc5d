/**
 * pino JSON logs. Children carry `{site, jobId, node}`. What a log line may hold is bounded: tokens,
 * passwords and secrets are redacted, and every string (the message, a field, an error's message or
 * stack, a URL with a huge query) is cut to `MAX_VALUE` characters with the length it had, so that a
 * value someone sent can neither flood the log nor hide in it whole.
 */
import { pino, type Logger } from "pino";

export type { Logger };

/** The longest string a log line keeps of one value; a stack gets more. */
export const MAX_VALUE = 1000;
const MAX_STACK = 4000;
/** How deep fields are looked into; deeper objects are summarised. */
const MAX_DEPTH = 4;

const SECRET_KEYS = ["token", "authorization", "password", "apiToken", "secret", "cookie", "credentials"];

export function cut(value: string, max = MAX_VALUE): string {
  return value.length <= max ? value : `${value.slice(0, max)}… (cut: ${value.length.toLocaleString("en")} characters)`;
}

/** An error as a log field: its type, message, code and stack, cut. */
function errorObject(error: Error): Record<string, unknown> {
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: cut(error.message),
    ...(code !== undefined ? { code } : {}),
    ...(error.stack ? { stack: cut(error.stack, MAX_STACK) } : {}),
  };
}

/** A copy of a log object with every string cut, errors as plain objects, depth bounded. */
function bounded(value: unknown, depth: number): unknown {
  if (typeof value === "string") return cut(value);
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Error) return errorObject(value);
  if (depth >= MAX_DEPTH) return Array.isArray(value) ? `[${value.length} items]` : "[object]";
  if (Array.isArray(value)) {
    const items = value.slice(0, 50).map((v) => bounded(v, depth + 1));
    return value.length > 50 ? [...items, `… ${value.length - 50} more`] : items;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = bounded(v, depth + 1);
  return out;
}

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`), ...SECRET_KEYS.map((k) => `*.headers.${k}`)],
        censor: "[redacted]",
      },
      serializers: { err: (e: unknown) => (e instanceof Error ? errorObject(e) : bounded(e, 1)) },
      formatters: {
        // `err` is left to its serializer (which runs after this).
        log: ({ err, ...rest }) => ({ ...(bounded(rest, 0) as Record<string, unknown>), ...(err !== undefined ? { err } : {}) }),
      },
      hooks: {
        logMethod(args, method) {
          // The message (and printf-style arguments) are cut too.
          method.apply(this, args.map((a) => (typeof a === "string" ? cut(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    destination ?? pino.destination(2),
  );
}
