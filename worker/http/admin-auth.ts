import { createMiddleware } from "hono/factory";
import { db } from "../db/client";
import { adminAudit } from "../db/schema";
import { AppError } from "../errors";
import { constantTimeEqual } from "../platform/identity";
import { tokenFrom } from "./session";
import type { AppEnv } from "./app";

/** Admin calls carry `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time. */
export const requireAdmin = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const token = tokenFrom(c.req.raw, false);
    const expected = c.env.ADMIN_TOKEN;
    if (!token || !expected || !(await constantTimeEqual(token, expected))) {
      throw new AppError("unauthorized", "Admin token missing or wrong", 401);
    }
    await next();
  });

/** Every admin call leaves a row: what was done, to whom, how many records it touched. */
export async function audit(d1: D1Database, action: string, target: string | null, count: number | null): Promise<void> {
  await db(d1).insert(adminAudit).values({ at: Date.now(), action, target, count });
}
