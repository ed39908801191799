// REST calls: topics (public) and login. The session token lives in storage and is renewed
// by logging in again shortly before it expires. No wx here: the platform adapter passes in
// how to make a request, read storage and get a login code.
import { ChatError } from "./errors";
import type { LoginPlatform, LoginRequest, LoginResponse, Topic, TopicsResponse } from "./protocol";

export interface HttpResponse {
  status: number;
  data: unknown;
}
export type HttpRequest = (req: { url: string; method: "GET" | "POST"; data?: unknown; header?: Record<string, string> }) => Promise<HttpResponse>;

export interface KeyValueStorage {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  remove(key: string): void;
}

export interface ApiOptions {
  apiBase: string;
  request: HttpRequest;
  storage: KeyValueStorage;
  /** The platform's login code (wx.login / qq.login), or a stable device name for dev login. */
  loginCode(): Promise<string>;
  platform: LoginPlatform;
  now?: () => number;
}

export const SESSION_KEY = "onechat.session";
/** Log in again when less than this is left, so a socket never starts with a dying token. */
export const RENEW_BEFORE_MS = 5 * 60_000;

interface StoredSession {
  token: string;
  expiresAt: number;
}

function isSession(v: unknown): v is StoredSession {
  return !!v && typeof v === "object" && typeof (v as StoredSession).token === "string" && typeof (v as StoredSession).expiresAt === "number";
}

/** The error code of a failed response: the server's `{ error: { code } }`, else a generic one. */
function codeOf(res: HttpResponse): string {
  const body = res.data as { error?: { code?: unknown } } | null;
  const code = body && typeof body === "object" ? body.error?.code : undefined;
  return typeof code === "string" ? code : res.status >= 500 ? "internal" : "unknown";
}

export class Api {
  private readonly now: () => number;
  private inflightLogin: Promise<StoredSession> | null = null;

  constructor(private readonly opts: ApiOptions) {
    this.now = opts.now ?? Date.now;
  }

  private async call(method: "GET" | "POST", path: string, data?: unknown): Promise<unknown> {
    let res: HttpResponse;
    try {
      res = await this.opts.request({ url: `${this.opts.apiBase}${path}`, method, data, header: { "content-type": "application/json" } });
    } catch {
      throw new ChatError("network");
    }
    if (res.status < 200 || res.status >= 300) throw new ChatError(codeOf(res));
    return res.data;
  }

  async topics(): Promise<Topic[]> {
    const body = (await this.call("GET", "/api/topics")) as TopicsResponse;
    return Array.isArray(body?.topics) ? body.topics : [];
  }

  /** A valid token: the stored one, or a new login when it is missing, near expiry, or `fresh`. */
  async token(fresh = false): Promise<string> {
    const stored = this.opts.storage.get(SESSION_KEY);
    if (!fresh && isSession(stored) && stored.expiresAt - this.now() > RENEW_BEFORE_MS) return stored.token;
    return (await this.login()).token;
  }

  /** Whether a usable token is stored (so the page can skip the "登录成功" toast on return). */
  hasSession(): boolean {
    const stored = this.opts.storage.get(SESSION_KEY);
    return isSession(stored) && stored.expiresAt - this.now() > RENEW_BEFORE_MS;
  }

  /** Logs in once even when several callers ask at the same moment. */
  login(): Promise<StoredSession> {
    this.inflightLogin ??= this.doLogin().finally(() => {
      this.inflightLogin = null;
    });
    return this.inflightLogin;
  }

  private async doLogin(): Promise<StoredSession> {
    let code: string;
    try {
      code = await this.opts.loginCode();
    } catch {
      throw new ChatError("login_failed");
    }
    const body: LoginRequest = { platform: this.opts.platform, code };
    const res = (await this.call("POST", "/api/login", body)) as LoginResponse;
    if (!res || typeof res.token !== "string") throw new ChatError("login_failed");
    const session = { token: res.token, expiresAt: res.expiresAt };
    this.opts.storage.set(SESSION_KEY, session);
    return session;
  }

  logout(): void {
    this.opts.storage.remove(SESSION_KEY);
  }
}
