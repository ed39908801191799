// REST calls: topics (public), login, report and block, the 18+ confirmation before matching,
// and the subscribe-message consents. The session token and the content-check
// ticket live in storage and are renewed by logging in again shortly before either expires. No
// wx here: the platform adapter passes in how to make a request, read storage and get a login code.
import { ChatError, codeOf } from "./errors";
import type {
  AdultRequest,
  BlockRequest,
  ConversationSummary,
  ChatsResponse,
  ChatSummary,
  ImageUploadResponse,
  KeepResponse,
  LoginPlatform,
  LoginRequest,
  LoginResponse,
  MeResponse,
  ReportRequest,
  SubscribeKind,
  SubscribeRequest,
  SubscribeResponse,
  SubscribeTemplatesResponse,
  ReportCategory,
  Topic,
  TopicsResponse,
} from "./protocol";

export interface HttpResponse {
  status: number;
  data: unknown;
}
export type HttpRequest = (req: { url: string; method: "GET" | "POST" | "DELETE"; data?: unknown; header?: Record<string, string> }) => Promise<HttpResponse>;

/** wx.uploadFile's shape: multipart with one file; the body comes back as text. */
export type FileUpload = (req: {
  url: string;
  filePath: string;
  name: string;
  formData: Record<string, string>;
  header: Record<string, string>;
  /** Upload progress, 0–100. */
  onProgress?(percent: number): void;
}) => Promise<HttpResponse>;

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
  /** Picture uploads (wx.uploadFile); without it uploadImage fails with "network". */
  upload?: FileUpload;
}

export const SESSION_KEY = "onechat.session";
/** The account (user id) the server already has the 18+ confirmation for. */
export const ADULT_SENT_KEY = "onechat.adultSentFor";
/** Log in again when less than this is left, so a socket never starts with a dying token or ticket. */
export const RENEW_BEFORE_MS = 5 * 60_000;

interface StoredSession {
  token: string;
  expiresAt: number;
  /** WeChat/QQ: the sealed OpenID for the room's content check; null when the login gave none (dev). */
  checkTicket: string | null;
  checkTicketExpiresAt: number | null;
  /** The account this session is for (absent in sessions stored by older versions). */
  userId?: string;
}

/** What a socket needs: the token, and for room sockets the check ticket (null: connect without). */
export interface Credentials {
  token: string;
  ticket: string | null;
}

function isSession(v: unknown): v is StoredSession {
  if (!v || typeof v !== "object") return false;
  const s = v as StoredSession;
  return (
    typeof s.token === "string" &&
    typeof s.expiresAt === "number" &&
    (s.checkTicket === null || typeof s.checkTicket === "string") &&
    (s.checkTicketExpiresAt === null || typeof s.checkTicketExpiresAt === "number")
  );
}

/** The error code of a failed response: the server's `{ error: { code } }`, else a generic one. */
function responseCode(res: HttpResponse): string {
  const body = res.data && typeof res.data === "object" ? (res.data as { error?: unknown }) : null;
  return codeOf(body?.error, res.status >= 500 ? "internal" : "unknown");
}

export class Api {
  private readonly now: () => number;
  private inflightLogin: Promise<StoredSession> | null = null;

  constructor(private readonly opts: ApiOptions) {
    this.now = opts.now ?? Date.now;
  }

  private async call(method: "GET" | "POST" | "DELETE", path: string, data?: unknown, token?: string): Promise<unknown> {
    const header: Record<string, string> = { "content-type": "application/json" };
    if (token) header.Authorization = `Bearer ${token}`;
    let res: HttpResponse;
    try {
      res = await this.opts.request({ url: `${this.opts.apiBase}${path}`, method, data, header });
    } catch {
      throw new ChatError("network");
    }
    if (res.status < 200 || res.status >= 300) throw new ChatError(responseCode(res));
    return res.data;
  }

  /** Uploads a picture for room `conversationId` with the token and the check ticket (POST /api/media). */
  async uploadImage(conversationId: string, filePath: string, onProgress?: (percent: number) => void): Promise<ImageUploadResponse> {
    if (!this.opts.upload) throw new ChatError("network");
    const { token, ticket } = await this.credentials();
    const formData: Record<string, string> = ticket ? { conversationId, ticket } : { conversationId };
    let res: HttpResponse;
    try {
      res = await this.opts.upload({ url: `${this.opts.apiBase}/api/media`, filePath, name: "file", formData, header: { Authorization: `Bearer ${token}` }, onProgress });
    } catch {
      throw new ChatError("network");
    }
    let data: unknown = res.data;
    if (typeof data === "string") {
      try {
        data = JSON.parse(data);
      } catch {
        data = null;
      }
    }
    if (res.status < 200 || res.status >= 300) throw new ChatError(responseCode({ status: res.status, data }));
    return data as ImageUploadResponse;
  }

  async topics(): Promise<Topic[]> {
    const body = (await this.call("GET", "/api/topics")) as TopicsResponse;
    return Array.isArray(body?.topics) ? body.topics : [];
  }

  /** The stored session if both the token and the ticket (when there is one) have time left. */
  private usable(): StoredSession | null {
    const stored = this.opts.storage.get(SESSION_KEY);
    if (!isSession(stored)) return null;
    const now = this.now();
    if (stored.expiresAt - now <= RENEW_BEFORE_MS) return null;
    // The ticket lives 2 h, the token longer: a dying ticket alone is reason to log in again.
    if (stored.checkTicket !== null && (stored.checkTicketExpiresAt ?? 0) - now <= RENEW_BEFORE_MS) return null;
    return stored;
  }

  /** A valid session: the stored one, or a new login when it is missing, near expiry, or `fresh`. */
  async credentials(fresh = false): Promise<Credentials> {
    const session = (!fresh && this.usable()) || (await this.login());
    return { token: session.token, ticket: session.checkTicket };
  }

  /** A valid token (see credentials()). */
  async token(fresh = false): Promise<string> {
    return (await this.credentials(fresh)).token;
  }

  /** Whether a usable session is stored (so the page can skip the "登录成功" toast on return). */
  hasSession(): boolean {
    return this.usable() !== null;
  }

  /** Reports the partner of a conversation (the server also blocks the pair). */
  async report(conversationId: string, category: ReportCategory, messageId?: string): Promise<void> {
    const body: ReportRequest = messageId ? { conversationId, category, messageId } : { conversationId, category };
    await this.authed("/api/reports", body);
  }

  /** One of the caller's conversations (a subscribe message's room), or null when it is not theirs or gone. */
  async conversation(id: string): Promise<ConversationSummary | null> {
    try {
      return (await this.authed(`/api/conversations/${encodeURIComponent(id)}`, undefined, "GET")) as ConversationSummary;
    } catch (err) {
      if (codeOf(err, "") === "not_found") return null;
      throw err;
    }
  }

  /** 我的聊天: the chats kept with 保持联系 (alias, last message time, unread). */
  async chats(): Promise<ChatSummary[]> {
    const body = (await this.authed("/api/chats", undefined, "GET")) as ChatsResponse;
    return Array.isArray(body?.chats) ? body.chats : [];
  }

  /** 保持联系 over REST (an end screen without a socket): "pending" alone, "kept" when both tapped. */
  async keep(conversationId: string): Promise<"pending" | "kept"> {
    const body = (await this.authed(`/api/chats/${encodeURIComponent(conversationId)}/keep`, {})) as KeepResponse;
    return body?.keep === "kept" ? "kept" : "pending";
  }

  /** Ends a kept chat for both (it leaves both lists; the room refuses further messages). */
  async endChat(conversationId: string): Promise<void> {
    await this.authed(`/api/chats/${encodeURIComponent(conversationId)}`, undefined, "DELETE");
  }

  /** Never be matched with this conversation's partner again. */
  async block(conversationId: string): Promise<void> {
    const body: BlockRequest = { conversationId };
    await this.authed("/api/blocks", body);
  }

  /**
   * Matching needs the 年满18周岁 confirmation on the server: sends the phone's confirmation once
   * per account (again after a login as another account), or with `recheck` (the lobby refused
   * the socket) asks the server what is missing. Throws ChatError "adult_required" when neither
   * the server nor this phone has the confirmation, "matching_suspended" when an admin paused it.
   */
  async ensureMatchable(confirmedOnPhone: boolean, recheck = false): Promise<void> {
    await this.credentials();
    const session = this.usable();
    const sentFor = this.opts.storage.get(ADULT_SENT_KEY);
    if (!recheck && session?.userId && sentFor === session.userId) return;
    const me = (await this.authed("/api/me", undefined, "GET")) as MeResponse;
    if (me?.matchingSuspended) throw new ChatError("matching_suspended");
    if (me?.adultConfirmedAt == null) {
      if (!confirmedOnPhone) throw new ChatError("adult_required");
      const body: AdultRequest = { confirmed: true };
      await this.authed("/api/me/adult", body);
    }
    if (typeof me?.id === "string") this.opts.storage.set(ADULT_SENT_KEY, me.id);
  }

  /** The subscribe-message template ids this server can send for the caller's platform. */
  async subscribeTemplates(): Promise<SubscribeTemplatesResponse["templates"]> {
    const body = (await this.authed("/api/subscriptions/templates", undefined, "GET")) as SubscribeTemplatesResponse;
    return body?.templates && typeof body.templates === "object" ? body.templates : {};
  }

  /**
   * Records the kinds the person accepted in wx.requestSubscribeMessage, with the login's check
   * ticket (the server needs the sealed openid to send). Without a ticket (dev login) nothing is
   * sent; a refused ticket logs in once more for a fresh one.
   */
  async subscribe(kinds: SubscribeKind[]): Promise<SubscribeKind[]> {
    if (kinds.length === 0) return [];
    const post = async (fresh: boolean) => {
      const { token, ticket } = await this.credentials(fresh);
      if (!ticket) return null;
      const body: SubscribeRequest = { kinds, ticket };
      return (await this.call("POST", "/api/subscriptions", body, token)) as SubscribeResponse;
    };
    let res: SubscribeResponse | null;
    try {
      res = await post(false);
    } catch (err) {
      const code = err instanceof ChatError ? err.code : "";
      if (code !== "ticket_required" && code !== "unauthorized") throw err;
      res = await post(true);
    }
    return Array.isArray(res?.kinds) ? res.kinds.map((k) => k.kind) : [];
  }

  /** A call with the session token; an expired session (401) logs in once more and tries again. */
  private async authed(path: string, data: unknown, method: "GET" | "POST" | "DELETE" = "POST"): Promise<unknown> {
    try {
      return await this.call(method, path, data, await this.token());
    } catch (err) {
      if (!(err instanceof ChatError) || err.code !== "unauthorized") throw err;
      return this.call(method, path, data, await this.token(true));
    }
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
    const hasTicket = typeof res.checkTicket === "string" && typeof res.checkTicketExpiresAt === "number";
    const session: StoredSession = {
      token: res.token,
      expiresAt: res.expiresAt,
      checkTicket: hasTicket ? (res.checkTicket as string) : null,
      checkTicketExpiresAt: hasTicket ? (res.checkTicketExpiresAt as number) : null,
      ...(typeof res.user?.id === "string" ? { userId: res.user.id } : {}),
    };
    this.opts.storage.set(SESSION_KEY, session);
    return session;
  }
}
