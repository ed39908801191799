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
  /** Messages a user may send back to back, then per second (defaults 10 and 1; see limits/rules.ts). */
  MESSAGE_BURST?: string;
  MESSAGE_RATE_PER_SECOND?: string;
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
