import { describeError } from "./errors";

/**
 * One structured object per event, for Workers Logs ([observability] in wrangler.toml indexes its fields):
 * an event name plus ids, counts, codes and durations. Never message text, openids, tokens or tickets:
 * a field whose name says it holds one is replaced by "[redacted]", so a slip shows up instead of leaking.
 */
export type LogValue = string | number | boolean | null | undefined;
export type LogFields = Record<string, LogValue>;
export type LogLevel = "info" | "warn" | "error";

/** Field names (lowercase, "_" and "-" removed) that would carry user content or a credential. */
const FORBIDDEN = new Set([
  "text",
  "messagetext",
  "body",
  "content",
  "openid",
  "unionid",
  "token",
  "accesstoken",
  "authorization",
  "ticket",
  "checkticket",
  "secret",
  "password",
  "sessionkey",
  "cookie",
  "code",
  "jscode",
]);
/** Ids and codes are short; anything longer is cut so a log line stays small. */
const MAX_STRING = 200;

export interface LogRecord {
  level: LogLevel;
  event: string;
  [field: string]: LogValue;
}

export function logRecord(level: LogLevel, event: string, fields: LogFields = {}): LogRecord {
  const record: LogRecord = { level, event };
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || key === "level" || key === "event") continue;
    if (FORBIDDEN.has(key.toLowerCase().replace(/[_-]/g, ""))) record[key] = "[redacted]";
    else record[key] = typeof value === "string" && value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  }
  return record;
}

export function logEvent(level: LogLevel, event: string, fields?: LogFields): void {
  const record = logRecord(level, event, fields);
  if (level === "error") console.error(record);
  else if (level === "warn") console.warn(record);
  else console.log(record);
}

/** A failure: the error's name and message only (describeError), never its stack or payload. */
export function logError(event: string, error: unknown, fields?: LogFields): void {
  logEvent("error", event, { ...fields, error: describeError(error) });
}

/** Milliseconds since `start` (a Date.now() value); Workers advance the clock across I/O. */
export function since(start: number): number {
  return Date.now() - start;
}
