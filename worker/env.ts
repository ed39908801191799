/**
 * The worker's `Env`. Bindings, `[vars]` and the required secrets are generated from wrangler.toml by
 * `npm run types` into worker-configuration.d.ts (CI fails when it drifts). Added here is only what
 * wrangler.toml cannot declare: optional secrets and tuning vars that are unset unless overridden.
 * Vars arrive as strings; read numbers through `numberVar`.
 */
export interface OptionalEnv {
  /** Seals login check tickets (the openid for msgSecCheck); IDENTITY_PEPPER is used when unset. */
  TICKET_SECRET?: string;
  /** A platform is usable when both its APPID and SECRET are set. */
  WECHAT_APPID?: string;
  WECHAT_SECRET?: string;
  QQ_APPID?: string;
  QQ_SECRET?: string;
  /** The lobby pool's name (default "main"): deployments sharing one namespace, and tests, keep apart by it. */
  LOBBY_POOL?: string;
  /** Signs media URLs; SESSION_SECRET is used when unset. */
  MEDIA_URL_SECRET?: string;
  /** WeChat message push (消息推送) Token and, for the safe mode, its EncodingAESKey (43 characters). */
  WECHAT_PUSH_TOKEN?: string;
  WECHAT_PUSH_AES_KEY?: string;
  /** The worker's public origin (https://chat.example.cn) for signed media URLs; default: the request's. */
  PUBLIC_BASE_URL?: string;
  /** Subscribe message template ids (订阅消息), from the mini program console; unset: not sent. */
  WECHAT_TEMPLATE_MATCHED?: string;
  WECHAT_TEMPLATE_REPLY?: string;
  QQ_TEMPLATE_MATCHED?: string;
  QQ_TEMPLATE_REPLY?: string;
  /** Mini program page a subscribe message opens (default pages/chat/chat). */
  SUBSCRIBE_PAGE?: string;
  /** "developer" | "trial" | "formal" (default): which mini program version a subscribe message opens. */
  WECHAT_MINIPROGRAM_STATE?: string;
  /** Messages a user may send back to back, then per second (defaults 10 and 1; see limits/rules.ts). */
  MESSAGE_BURST?: string;
  MESSAGE_RATE_PER_SECOND?: string;
  /**
   * Workers AI, for the safety model (moderation/triage.ts). Optional and absent from wrangler.toml,
   * so `npm run dev` runs offline with no Cloudflare login; docs/deploy.md says how to bind it.
   */
  AI?: { run(model: string, inputs: Record<string, unknown>): Promise<unknown> }; // the part of `Ai` used; structural so Node code can read Env
  /** Extra help lines on the care card after 12356: "名称:号码;名称:号码". */
  CARE_HOTLINES?: string;
  /** How long two people just matched are not paired again unless they keep in touch (default 24 h). */
  REMATCH_COOLDOWN_MS?: string;
  /** Days an upheld report or a lifted suspension keeps a person under watch in matching (default 30). */
  TRUST_WATCH_DAYS?: string;
  /** D1 databases holding message history (default 1: DB alone); shard n > 1 is the binding HISTORY_n (worker/history/shards.ts). */
  HISTORY_SHARDS?: string;
}

declare global {
  namespace Cloudflare {
    interface Env extends OptionalEnv {}
  }
}

export type Env = Cloudflare.Env;

export function numberVar(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

export function flagVar(value: string | undefined): boolean {
  return value === "true" || value === "1";
}
