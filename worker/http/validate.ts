import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import type { ZodType } from "zod";
import { AppError } from "../errors";

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
