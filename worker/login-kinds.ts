// Which kinds of login this server accepts now. A token outlives the setting that issued it, so
// every way in (REST, room, lobby, media) asks here about the user's kind, not only the login.
import type { UserRow } from "./db/schema";
import { flagVar, type Env } from "./env";

/** Dev login exists only while DEV_LOGIN is on; WeChat and QQ always. */
export function loginKindEnabled(env: Pick<Env, "DEV_LOGIN">, platform: UserRow["platform"]): boolean {
  return platform !== "dev" || flagVar(env.DEV_LOGIN);
}

export const LOGIN_DISABLED_MESSAGE = "This kind of login is turned off on this server; log in with WeChat or QQ";
