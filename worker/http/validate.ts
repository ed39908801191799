import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import { z, type ZodType } from "zod";
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
