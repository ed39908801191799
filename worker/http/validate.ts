import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import { z, type ZodType } from "zod";
import type { ReportCursor } from "../db/reports";
import { AppError } from "../errors";
import { LIMITS } from "../protocol";

/**
 * zValidator that answers in our error shape: 400 `bad_request` naming the first bad field.
 */
export const validate = <Target extends keyof ValidationTargets, Schema extends ZodType>(
  target: Target,
  schema: Schema,
) =>
  zValidator(target, schema, (result) => {
    if (!result.success) {
      const issue = result.error.issues[0];
      const field = issue?.path.length ? issue.path.join(".") : target;
      throw new AppError("bad_request", `Invalid ${field}: ${issue?.message ?? "bad value"}`, 400);
    }
  });

/** `?limit=&cursor=` for admin listings; each listing decodes its own cursor. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(LIMITS.pageMax).default(50),
  cursor: z.string().min(1).max(200).optional(),
});

/** A "<time>:<id>" cursor (newest-first listings ordered by time, ties broken by id). */
export function timeIdCursor(raw: string | undefined): { at: number; id: string } | undefined {
  if (raw === undefined) return undefined;
  const at = raw.indexOf(":");
  const when = Number(raw.slice(0, at));
  if (at < 1 || !Number.isSafeInteger(when) || at === raw.length - 1) {
    throw new AppError("bad_request", "Invalid cursor", 400);
  }
  return { at: when, id: raw.slice(at + 1) };
}

/** A positive whole-number cursor (an autoincrement id). */
export function idCursor(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id < 1) throw new AppError("bad_request", "Invalid cursor", 400);
  return id;
}

/** A report queue cursor: "<priority>.<id>" of the previous page's last row (db/reports.ts reportCursorOf). */
export function reportCursor(raw: string | undefined): ReportCursor | undefined {
  if (raw === undefined) return undefined;
  const match = /^(\d{1,3})\.(\d+)$/.exec(raw);
  if (!match) throw new AppError("bad_request", "Invalid cursor", 400);
  return { priority: Number(match[1]), id: idCursor(match[2])! };
}
