import { AppError } from "../errors";
import { numberVar, type Env } from "../env";
import type { Platform } from "../protocol";

// Every failure to get an answer from a platform (not configured, down, slow, refused, unreadable)
// is one error: AppError platform_unavailable (502). Callers that degrade instead of failing
// (content checks, subscribe messages) recognise it with isPlatformUnavailable.

export function platformUnavailable(message: string): AppError {
  return new AppError("platform_unavailable", message, 502);
}

export function isPlatformUnavailable(error: unknown): error is AppError {
  return error instanceof AppError && error.code === "platform_unavailable";
}

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
    throw platformUnavailable(`${platform} login is not configured on this server`);
  }
  return { appid, secret };
}

/**
 * Calls a platform endpoint and returns its JSON. Timeouts, 5xx and unreadable bodies all
 * become `platform_unavailable`; the URL (which carries the app secret) is never logged.
 * `init.signal`, when given, replaces the PLATFORM_TIMEOUT_MS timeout.
 */
export async function platformFetch(
  env: Env,
  url: string,
  init: RequestInit = {},
  timeoutMs = numberVar(env.PLATFORM_TIMEOUT_MS, 3000),
): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(timeoutMs) });
  } catch {
    throw platformUnavailable("The platform did not answer in time");
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw platformUnavailable(`The platform answered HTTP ${response.status}`);
  }
  try {
    const body: unknown = await response.json();
    if (body && typeof body === "object" && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw platformUnavailable("The platform's answer could not be read");
}
