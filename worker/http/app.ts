import { Hono } from "hono";
import type { UserRow } from "../db/schema";
import type { Env } from "../env";

/** Everything a route can reach: the bindings, and the user the session middleware resolved. */
export interface AppEnv {
  Bindings: Env;
  Variables: { user: UserRow };
}

export const newApp = () => new Hono<AppEnv>();
