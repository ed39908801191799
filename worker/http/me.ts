import type { MeResponse } from "../protocol";
import { newApp } from "./app";
import { requireUser } from "./session";

export const me = newApp()
  .use(requireUser())
  .get("/", (c) => {
    const user = c.var.user;
    return c.json({ id: user.id, createdAt: user.createdAt } satisfies MeResponse);
  });
