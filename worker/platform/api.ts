import { AppError } from "../errors";
import { numberVar, type Env } from "../env";
import type { Platform } from "../protocol";

/** Where each platform's HTTP API lives; tests and dev point these at a local fake. */
export function platformBase(env: Env, platform: Platform): string {
  const base = platform === "wechat" ? env.WECHAT_API_BASE : env.QQ_API_BASE;
  const fallback = platform === "wechat" ? "https://api.weixin.qq.com" : "https://api.q.qq.com";
  return (base?.trim() || fallback).replace(/\/+$/, "");
}

export function platformCredentials(env: Env, platform: Platform): { appid: string; secret: string } {
  const appid = platform === "wechat" ? env.WECHAT_APPID : env.QQ_APPID;
  const secret = platform === "wechat" ? env.WECHAT_SECRET : env.QQ_SECRET;
  if (!appid || !secret) {
    throw new AppError("platform_unavailable", `${platform} login is not configured on this server`, 502);
  }
  return { appid, secret };
}

/**
 * Calls a platform endpoint and returns its JSON. Timeouts, 5xx and unreadable bodies all
 * become `platform_unavailable`; the URL (which carries the app secret) is never logged.
 */
export async function platformFetch(
  env: Env,
  url: string,
  init: RequestInit = {},
  timeoutMs = numberVar(env.PLATFORM_TIMEOUT_MS, 3000),
): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch {
    throw new AppError("platform_unavailable", "The platform did not answer in time", 502);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new AppError("platform_unavailable", `The platform answered HTTP ${response.status}`, 502);
  }
  try {
    const body: unknown = await response.json();
    if (body && typeof body === "object" && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new AppError("platform_unavailable", "The platform's answer could not be read", 502);
}
