// Where the worker lives. The develop build (WeChat DevTools, with "不校验合法域名" ticked) talks
// to `npm run dev` on this machine; trial and release builds use the production domain, which
// must be listed under 开发管理 → 服务器域名 (request: https://…, socket: wss://…).
export type EnvVersion = "develop" | "trial" | "release";

export interface AppConfig {
  /** http(s) origin for REST, no trailing slash. */
  apiBase: string;
  /** ws(s) origin for the lobby and room sockets. */
  wsBase: string;
  /** Use the worker's dev login (no real WeChat/QQ code exchange); the worker must have DEV_LOGIN on. */
  devLogin: boolean;
}

/** Change to your computer's LAN address (http://192.168.x.x:8787) to preview on a phone. */
export const DEV_API_BASE = "http://127.0.0.1:8787";
/** The production worker; replace with your own https domain. */
export const PROD_API_BASE = "https://onechat.example.com";

export function configFor(env: EnvVersion): AppConfig {
  const apiBase = env === "develop" ? DEV_API_BASE : PROD_API_BASE;
  return { apiBase, wsBase: apiBase.replace(/^http/, "ws"), devLogin: env === "develop" };
}
