import { DurableObject } from "cloudflare:workers";
import { numberVar, type Env } from "../env";
import type { Platform } from "../protocol";
import { describeError } from "../errors";
import { platformBase, platformCredentials, platformFetch, platformUnavailable } from "./api";

// The platforms' server-side access tokens (WeChat /cgi-bin/token, QQ /api/getToken) are limited
// per day and a new one invalidates the old after a grace period, so exactly one object owns each:
// the PlatformToken Durable Object named after the platform. Isolates keep a copy of its answer
// in memory until shortly before expiry, so a content check costs no round trip to the owner.

/** Stop using a token this long before the platform says it expires. */
const EXPIRY_MARGIN_MS = 5 * 60 * 1000;

export interface AccessToken {
  token: string;
  /** When to stop using it (ms), already shortened by the margin. */
  usableUntil: number;
}

/** Errors cross the RPC boundary as plain data: thrown errors lose their class on the way. */
export type TokenAnswer = { ok: true; token: AccessToken } | { ok: false; message: string };

/** Asks the platform for a new token. Throws AppError(platform_unavailable) when it cannot. */
export async function fetchAccessToken(env: Env, platform: Platform, now = Date.now()): Promise<AccessToken> {
  const { appid, secret } = platformCredentials(env, platform);
  const query = new URLSearchParams({ grant_type: "client_credential", appid, secret });
  const path = platform === "wechat" ? "/cgi-bin/token" : "/api/getToken";
  const body = await platformFetch(env, `${platformBase(env, platform)}${path}?${query}`);
  const errcode = Number(body.errcode ?? 0);
  if (errcode !== 0 || typeof body.access_token !== "string" || body.access_token === "") {
    throw platformUnavailable(`the platform refused an access token (errcode ${errcode})`);
  }
  const expiresInMs = numberVar(String(body.expires_in ?? ""), 7200) * 1000;
  return { token: body.access_token, usableUntil: now + Math.max(0, expiresInMs - EXPIRY_MARGIN_MS) };
}

const STORAGE_KEY = "token";

/** The single owner of one platform's access token; its name is the platform. */
export class PlatformToken extends DurableObject<Env> {
  /** Concurrent callers during a refresh share one platform request. Not state: storage is. */
  private inflight: Promise<TokenAnswer> | null = null;

  /**
   * The current token, fetched only when there is none or it is near expiry. `stale` is a token
   * the platform just rejected (errcode 40001/42001): it is replaced once, however many callers
   * report it.
   */
  async token(platform: Platform, stale?: string): Promise<TokenAnswer> {
    const current = this.ctx.storage.kv.get<AccessToken>(STORAGE_KEY);
    if (current && current.usableUntil > Date.now() && current.token !== stale) {
      return { ok: true, token: current };
    }
    this.inflight ??= this.refresh(platform).finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async refresh(platform: Platform): Promise<TokenAnswer> {
    try {
      const token = await fetchAccessToken(this.env, platform);
      this.ctx.storage.kv.put(STORAGE_KEY, token);
      return { ok: true, token };
    } catch (error) {
      return { ok: false, message: error instanceof Error ? error.message : "access token unavailable" };
    }
  }
}

/** Per-isolate copy of the owner's answer. Losing it costs one RPC, never a platform call. */
const memo = new Map<string, AccessToken>();

/**
 * The access token for `platform`, from this isolate's copy or from its owner. Pass `stale` after
 * the platform rejected a token to get a fresh one. Throws platform_unavailable when none can be had.
 */
export async function getAccessToken(env: Env, platform: Platform, stale?: string): Promise<string> {
  const key = `${platform}:${platformBase(env, platform)}`;
  const cached = memo.get(key);
  if (cached && cached.usableUntil > Date.now() && cached.token !== stale) return cached.token;

  const owner = env.PLATFORM_TOKEN.get(env.PLATFORM_TOKEN.idFromName(platform));
  let answer: TokenAnswer;
  try {
    answer = await owner.token(platform, stale);
  } catch (error) {
    throw platformUnavailable(`the access token owner is unreachable (${describeError(error)})`);
  }
  if (!answer.ok) throw platformUnavailable(answer.message);
  memo.set(key, answer.token);
  return answer.token.token;
}

/** The platform's answer that the access token is invalid or expired: refresh once and retry. */
const STALE_TOKEN_ERRCODES = new Set([40001, 42001]);

/** Calls with the current access token, and once more with a fresh one if the platform says it is stale. */
export async function withAccessToken(
  env: Env,
  platform: Platform,
  call: (token: string) => Promise<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  const first = await getAccessToken(env, platform);
  const body = await call(first);
  return STALE_TOKEN_ERRCODES.has(Number(body.errcode ?? 0)) ? call(await getAccessToken(env, platform, first)) : body;
}
