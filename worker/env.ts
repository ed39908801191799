import type { LobbyHub } from "./lobby/hub";
import type { Lobby } from "./lobby/lobby";
import type { RateLimiter } from "./limits/shared-limiter";
import type { PlatformToken } from "./platform/access-token";
import type { HistoryWriter } from "./room/history-writer";
import type { Room } from "./room/room";

/** Bindings, vars and secrets, typed once. Vars arrive as strings; read numbers through `numberVar`. */
export interface Env {
  DB: D1Database;
  LOBBY: DurableObjectNamespace<Lobby>;
  LOBBY_HUB: DurableObjectNamespace<LobbyHub>;
  ROOM: DurableObjectNamespace<Room>;
  /** Group commit of room history to D1 (room/history-writer.ts), HISTORY_WRITERS of them. */
  HISTORY_WRITER: DurableObjectNamespace<HistoryWriter>;
  /** The single owner of each platform's access token (named "wechat" / "qq"). */
  PLATFORM_TOKEN: DurableObjectNamespace<PlatformToken>;
  /** Rate limits shared across isolates (logins per client address). */
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>;

  DEV_LOGIN?: string;
  WECHAT_API_BASE?: string;
  QQ_API_BASE?: string;
  PLATFORM_TIMEOUT_MS?: string;
  SESSION_TTL_SECONDS?: string;
  TOPIC_FALLBACK_MS?: string;
  /** Lobby shard objects (1 = one global lobby, no hub); see docs/scaling.md. */
  LOBBY_SHARDS?: string;
  /** How often a shard offers its leftover waiters to the hub. */
  LOBBY_HUB_TICK_MS?: string;
  RECONNECT_GRACE_MS?: string;
  D1_FLUSH_DELAY_MS?: string;
  /** History writer objects (each sends at most one D1 batch per window); default 2. */
  HISTORY_WRITERS?: string;
  /** How long a writer gathers rooms' messages before its D1 batch; default 200. */
  HISTORY_WINDOW_MS?: string;
  RETENTION_DAYS?: string;
  /** Messages a user may send back to back, then per second (defaults 10 and 1; see limits/rules.ts). */
  MESSAGE_BURST?: string;
  MESSAGE_RATE_PER_SECOND?: string;
  /** "closed" (default): a message waits for the platform check; "open": local filter only, flagged. */
  MODERATION_FAIL_MODE?: string;
  /** The platform content check's budget before it counts as down (default 800). */
  MODERATION_TIMEOUT_MS?: string;

  // Secrets (wrangler secret put / .dev.vars)
  SESSION_SECRET: string;
  IDENTITY_PEPPER: string;
  /** Seals login check tickets (the openid for msgSecCheck); IDENTITY_PEPPER is used when unset. */
  TICKET_SECRET?: string;
  ADMIN_TOKEN: string;
  WECHAT_APPID?: string;
  WECHAT_SECRET?: string;
  QQ_APPID?: string;
  QQ_SECRET?: string;
}

export function numberVar(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

export function flagVar(value: string | undefined): boolean {
  return value === "true" || value === "1";
}
