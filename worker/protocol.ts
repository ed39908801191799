// The one contract between the worker, the mini program and the tests.
// The mini program imports this file for types and constants only; keep it free of
// runtime dependencies (no Workers APIs, no wx, no zod).

/** Limits every party agrees on. */
export const LIMITS = {
  /** Characters in one message after trimming. */
  textMax: 1000,
  /** Bytes in one WebSocket frame (UTF-8). Larger frames close the socket with 1009. */
  frameMaxBytes: 8 * 1024,
  /** Messages a room sends on connect when the client does not resume. */
  historyOnConnect: 50,
  /** Most messages in one history frame; a resume that has more sets `more` and the client asks again. */
  historyPageMax: 200,
  /** Page size ceiling for REST history and admin listings. */
  pageMax: 100,
  /** Length of a clientId the server accepts. */
  clientIdMax: 64,
  /** Message ids in one { type: "image_query" } frame. */
  imageQueryMax: 20,
  /** Characters in a report reason. */
  reasonMax: 500,
  /** Bytes in one uploaded picture (compress on the phone first). */
  imageMaxBytes: 2 * 1024 * 1024,
  /** Pixels on the longer side of a picture. */
  imageMaxSide: 4096,
  /** Pixels in a picture (width × height). */
  imageMaxPixels: 16_000_000,
  /** How long after sending its sender may recall a message ({ type: "recall", id }). */
  recallWindowMs: 2 * 60 * 1000,
  /** Chats one person may keep in 我的聊天 (保持联系); a keep beyond it is refused with `too_many_chats`. */
  keptChatsMax: 50,
  /** Prompts per topic and characters per prompt (admin edits). */
  topicPromptsMax: 10,
  topicPromptMax: 200,
} as const;

/** Picture formats the upload accepts, as detected from the bytes (never from the client's header). */
export const IMAGE_TYPES = ["image/jpeg", "image/png", "image/gif"] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

/**
 * The old fixed reason label for a suspected minor. Reports now carry a `category`; a report from
 * an older client that sends only this exact label is filed as `minor` (see REPORT_LEGACY_LABELS).
 */
export const REPORT_REASON_MINOR = "疑似未成年";

/** What a report is about, from a fixed list; `minor` reports come first in the admin queue. */
export const REPORT_CATEGORIES = ["minor", "sexual", "harassment", "fraud", "other"] as const;
export type ReportCategory = (typeof REPORT_CATEGORIES)[number];

/** The exact reason labels clients sent before categories, and the category each stands for; any other text is `other`. */
export const REPORT_LEGACY_LABELS: Readonly<Record<string, ReportCategory>> = {
  [REPORT_REASON_MINOR]: "minor",
  "骚扰/辱骂": "harassment",
  "色情低俗": "sexual",
  "广告/诈骗": "fraud",
  "其他": "other",
};

/** Application-level keep-alive; the room answers without waking up. */
export const PING_FRAME = '{"type":"ping"}';
export const PONG_FRAME = '{"type":"pong"}';

/** WebSocket close codes the server uses. */
export const CLOSE = {
  normal: 1000,
  policy: 1008,
  tooBig: 1009,
  /** Another socket of the same user took this one's place. */
  replaced: 4001,
  /** The conversation is over (partner left, history erased, user banned). */
  ended: 4002,
} as const;

// ---------------------------------------------------------------------------
// Errors: the same codes on REST ({ error: { code, message } }) and on sockets
// ({ type: "error", code, message }).

export const ERROR_CODES = [
  "bad_request",
  "unauthorized",
  "forbidden",
  "not_found",
  "payload_too_large",
  "internal",
  "invalid_code",
  "rate_limited",
  "blocked_by_platform",
  "platform_unavailable",
  "banned",
  "bad_message",
  "text_too_long",
  "empty_text",
  "unknown_type",
  "frame_too_large",
  "binary_not_supported",
  "replaced",
  "content_rejected",
  "moderation_unavailable",
  "conversation_ended",
  /** WeChat/QQ room connect without a valid check ticket: log in again and reconnect with the fresh one. */
  "ticket_required",
  /** Too many room connects, reports or admin sign-in attempts in a short time (with rate_limited for sends). */
  "too_many_attempts",
  /** This user already has an open report on this conversation. */
  "already_reported",
  /** Matching needs the person's confirmation that they are 18 or older (POST /api/me/adult). */
  "adult_required",
  /** An admin suspended this user's matching pending review. */
  "matching_suspended",
  /** The upload is not a JPEG, PNG or GIF, or its header cannot be read. */
  "unsupported_image",
  /** The picture's width or height exceeds LIMITS.imageMaxSide, or its pixels LIMITS.imageMaxPixels. */
  "image_too_large",
  /** A signed media link whose time is up: ask for a fresh one. */
  "link_expired",
  /** A recall later than LIMITS.recallWindowMs after the message was sent. */
  "recall_too_late",
  /** A recall of a message that is not the caller's own (the partner's, or no such message). */
  "not_yours",
  /** A session of a login kind this server has since turned off (dev login without DEV_LOGIN): log in with WeChat or QQ. */
  "login_disabled",
  /** A kept chat that one of the two ended (or blocked): it cannot be reopened until they are matched again. */
  "chat_ended",
  /** 保持联系 when the person already keeps LIMITS.keptChatsMax chats: end one in 我的聊天 first. */
  "too_many_chats",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

// ---------------------------------------------------------------------------
// REST bodies

export type Platform = "wechat" | "qq";
export type LoginPlatform = Platform | "dev";

export interface LoginRequest {
  platform: LoginPlatform;
  code: string;
}
export interface LoginResponse {
  token: string;
  user: { id: string };
  /** Milliseconds since the epoch. */
  expiresAt: number;
  /**
   * WeChat/QQ logins only: the sender's openid sealed for the content check (msgSecCheck v2 needs
   * it, and the server keeps it nowhere). Pass it to the room socket as `?ticket=`. Opaque.
   */
  checkTicket?: string;
  /** When the ticket stops working (2 hours, WeChat's rule); log in again for a fresh one. */
  checkTicketExpiresAt?: number;
}
export interface MeResponse {
  id: string;
  createdAt: number;
  /** When the person confirmed they are 18 or older; null until then (no matching without it). */
  adultConfirmedAt?: number | null;
  /** An admin suspended matching for this user pending review. */
  matchingSuspended?: boolean;
}
/** POST /api/me/adult: the one-time 年满18周岁 confirmation. No birth date is sent or kept. */
export interface AdultRequest {
  confirmed: true;
}
export interface AdultResponse {
  adultConfirmedAt: number;
}
export interface Topic {
  id: string;
  title: string;
  /** The first of `prompts`, shown on the topic-preview page. */
  prompt: string;
  /** The opening lines one of which both people see on a match with this topic. */
  prompts: string[];
}
/** 我的聊天: one chat both people chose to keep (GET /api/chats). */
export interface ChatSummary {
  /** The conversation id, which is also the room id. */
  id: string;
  partner: { alias: string };
  keptAt: number;
  /** The newest message's time (from the D1 copy, a few seconds behind the room), or null. */
  lastMessageAt: number | null;
  /** The partner's messages after the caller's read mark (set when the caller's room socket opens and closes). */
  unread: number;
}
/** POST /api/chats/:id/keep: the private tap over REST (an end screen without a socket). */
export interface KeepResponse {
  /** "pending": only this side has tapped (the partner is told nothing); "kept": both have. */
  keep: "pending" | "kept";
}
export interface ChatsResponse {
  chats: ChatSummary[];
}
/** An admin's view of one topic; id "general" holds the prompts used without a shared topic. */
export interface AdminTopic {
  id: string;
  title: string;
  prompts: string[];
  position: number;
  listed: boolean;
}
export interface AdminTopicsResponse {
  topics: AdminTopic[];
}
/** PUT /api/admin/topics/:id */
export interface AdminTopicRequest {
  title: string;
  prompts: string[];
  position?: number;
  listed?: boolean;
}
export interface TopicsResponse {
  topics: Topic[];
}
export interface ConversationSummary {
  id: string;
  /** The partner as this caller sees them: an anonymous, per-conversation alias. */
  partner: { alias: string };
  /** The caller's own alias in this conversation (what the partner sees). */
  myAlias: string;
  createdAt: number;
  lastMessageAt: number | null;
  /** The partner erased their account: show them as "已注销的用户". The history stays the caller's to read, report, block or delete. */
  partnerErased?: true;
}
export interface ConversationsResponse {
  conversations: ConversationSummary[];
}
export interface HistoryMessage {
  id: string;
  seq: number;
  from: "me" | "partner";
  text: string;
  at: number;
  /** Only on one's own messages: the clientId it was sent with, so a client merges its local copy. */
  clientId?: string;
  /** Absent for text. "image": `text` is empty and `image` says what to show; "recalled": withdrawn by its sender. */
  kind?: MessageKind;
  /** Pictures only. `url` is a short-lived signed link (null on REST and while pending); reconnect for a fresh one. */
  image?: MessageImage;
  /** One's own picture still under the platform's check (审核中); the partner does not see it yet. */
  pending?: true;
}

export type MessageKind = "image" | "recalled";

export interface MessageImage {
  id: string;
  url: string | null;
  width: number;
  height: number;
}
export interface MessagesResponse {
  messages: HistoryMessage[];
  /** Pass as `before` to get the previous page; null when there is none. */
  nextBefore: number | null;
  /** The partner erased their account (as on ConversationSummary). */
  partnerErased?: true;
}
export interface DeletedResponse {
  deleted: number;
}

/** POST /api/reports: reports the partner of a conversation (and blocks them). 204 on success. */
export interface ReportRequest {
  conversationId: string;
  /** What the report is about. Older clients leave it out and send a fixed label as `reason` (REPORT_LEGACY_LABELS). */
  category?: ReportCategory;
  /** Optional words, at most LIMITS.reasonMax characters; required only without `category`. */
  reason?: string;
  /** The partner's message the report is about (long-press 举报), to highlight in the snapshot. */
  messageId?: string;
}
/** POST /api/blocks: never be matched with this conversation's partner again. 204 on success. */
export interface BlockRequest {
  conversationId: string;
}

// Admin (Authorization: Bearer <ADMIN_TOKEN>)

/** One message as it stood when a report was made. */
export interface ReportSnapshotMessage {
  id: string;
  seq: number;
  from: "reporter" | "reported";
  text: string;
  at: number;
  /** The message the reporter pointed at (long-press 举报); it is always in the snapshot when it still exists. */
  highlighted?: true;
  /** Recalled by its sender: `text` is the moderation copy kept for RECALL_EVIDENCE_MS (empty after that, or for a picture). */
  recalled?: true;
}
export interface AdminReport {
  id: number;
  reporterId: string;
  reportedId: string;
  conversationId: string;
  category: ReportCategory;
  reason: string;
  createdAt: number;
  /** The last messages of the conversation before the report and those around the pointed one, oldest first. */
  messages: ReportSnapshotMessage[];
}
export interface AdminReportsResponse {
  reports: AdminReport[];
  /** Pass as `cursor` for the next (older) page; null at the end. */
  nextCursor: string | null;
}
export interface AdminFlaggedMessage {
  messageId: string;
  conversationId: string;
  senderId: string;
  text: string;
  /** "review": the platform asked for a human look; "unchecked": delivered while its check was down. */
  reason: "review" | "unchecked";
  at: number;
  /** The safety model's verdict on this message (null: no model configured, or not yet). */
  verdict: AiVerdict | null;
}
export interface AdminFlaggedResponse {
  messages: AdminFlaggedMessage[];
  nextCursor: string | null;
}
export interface AdminMatchingResponse {
  id: string;
  /** Set while matching is suspended; null once lifted. */
  matchingSuspendedAt: number | null;
}
/** A picture as admins see it; `url` (5 minutes) only while the bytes are still stored. */
export interface AdminImage {
  id: string;
  conversationId: string;
  senderId: string;
  status: "pending" | "passed" | "rejected" | "expired";
  contentType: string;
  bytes: number;
  width: number;
  height: number;
  createdAt: number;
  checkedAt: number | null;
  url: string | null;
}
export interface AdminImagesResponse {
  images: AdminImage[];
}
export interface AdminBanResponse {
  id: string;
  bannedAt: number | null;
}
export interface FilterWordsResponse {
  /** Stored normalized: NFKC, lower case, no spaces, punctuation or symbols. */
  words: string[];
}

// Admin console (/admin): the same bearer token; the report queue, viewers and live figures.

export type ReportHandling = "ban" | "dismiss" | "delete_history";
/** A report in the console's queue: the admin report plus how it was handled. */
/** The console categories a safety model's hazard codes map to (worker/moderation/hazards.ts). */
export const AI_CATEGORIES = ["child", "violence", "self_harm", "sexual", "fraud", "hate", "privacy", "defamation", "other"] as const;
export type AiCategory = (typeof AI_CATEGORIES)[number];
/**
 * The automatic triage of a report or flagged message. "unsafe"/"safe": the model answered;
 * "over_budget": the day's AI_DAILY_BUDGET was used up, so it was left unclassified; "failed": the
 * model erred, timed out or answered out of format (the report waits in the queue as without a model).
 */
export interface AiVerdict {
  status: "safe" | "unsafe" | "over_budget" | "failed";
  /** Llama Guard's hazard codes, e.g. ["S4", "S12"]; empty unless unsafe. */
  hazards: string[];
  categories: AiCategory[];
  model: string;
  at: number;
}
export interface AdminQueueReport extends AdminReport {
  /** Reports ever made against the reported user (this one included). */
  reportsAgainst: number;
  /** The queue's rank: 0 child safety, 1 violence/self-harm, 2 sexual, 3 fraud, 4 the rest. */
  severity: number;
  /** Null: not classified (no model configured, or not yet). */
  verdict: AiVerdict | null;
  handledAt: number | null;
  handledAction: ReportHandling | null;
  handledNote: string | null;
}
/** GET /api/admin/console/reports?status=open|handled&category= — by severity, then newest first. */
export interface AdminQueueResponse {
  reports: AdminQueueReport[];
  nextCursor: string | null;
  /** The automatic triage today: `model` null when no AI binding is configured. */
  triage: { model: string | null; budget: number; usedToday: number };
}
/** POST /api/admin/console/reports/:id/handle — after the ban or deletion itself was done. */
export interface AdminHandleRequest {
  action: ReportHandling;
  note?: string;
}
/** One message in an admin's view of a user (GET /api/admin/users/:id/messages), newest first. */
export interface AdminUserMessage {
  id: string;
  conversationId: string;
  /** Sent by the user, or received from their partner. */
  direction: "sent" | "received";
  /** The stored body as it is (a picture's JSON). */
  text: string;
  seq: number;
  at: number;
}

export interface AdminConversationMessage {
  id: string;
  seq: number;
  senderId: string;
  /** For a picture: its JSON {"id","width","height"}; empty once recalled. */
  text: string;
  at: number;
  /** Absent for text; "image_pending": still under the platform's check. */
  kind?: "image" | "image_pending" | "recalled";
}
/** GET /api/admin/console/conversations/:id?before=<seq> — oldest first within the page. */
export interface AdminConversationResponse {
  id: string;
  userA: string;
  userB: string;
  createdAt: number;
  messages: AdminConversationMessage[];
  /** Pass as `before` for the older page; null when there is none. */
  nextBefore: number | null;
}
export interface AdminUserDetail {
  id: string;
  platform: string;
  createdAt: number;
  lastSeenAt: number;
  bannedAt: number | null;
  /** The 18+ confirmation; null until given (no matching without it). */
  adultConfirmedAt: number | null;
  /** An admin suspended matching pending review; null when not. */
  matchingSuspendedAt: number | null;
  reportsAgainst: AdminQueueReport[];
  flagged: AdminFlaggedMessage[];
  conversations: { id: string; partnerId: string; createdAt: number; lastMessageAt: number | null }[];
}
export interface AdminAuditEntry {
  id: number;
  at: number;
  action: string;
  target: string | null;
  count: number | null;
}
export interface AdminAuditResponse {
  entries: AdminAuditEntry[];
  nextCursor: string | null;
}
/** GET /api/admin/console/live */
export interface AdminLiveResponse {
  /** People in the lobby queues now. */
  waiting: number;
  /** Conversations with a message in the last 5 minutes. */
  activeRooms: number;
  /** Messages stored in D1 during the last minute. */
  messagesLastMinute: number;
  reportsOpen: number;
  at: number;
}

// Pictures: POST /api/media (multipart: file, conversationId, ticket), see docs/protocol.md.

/** "pending": WeChat's asynchronous check has not answered; "passed": it may be shown. */
export interface ImageUploadResponse {
  id: string;
  status: "pending" | "passed";
  contentType: ImageType;
  bytes: number;
  width: number;
  height: number;
}

// Subscribe messages (订阅消息): POST /api/subscriptions after wx.requestSubscribeMessage accepted.

export const SUBSCRIBE_KINDS = ["matched", "reply"] as const;
export type SubscribeKind = (typeof SUBSCRIBE_KINDS)[number];
export interface SubscribeRequest {
  /** The kinds the person accepted in this prompt. */
  kinds: SubscribeKind[];
  /** The login's check ticket (the sealed openid the platform needs to send the message). */
  ticket: string;
}
export interface SubscribeResponse {
  /** Kinds now on record, each usable until its time (ms). */
  kinds: { kind: SubscribeKind; expiresAt: number }[];
}
/** GET /api/subscriptions/templates: the template ids to pass to wx.requestSubscribeMessage. */
export interface SubscribeTemplatesResponse {
  templates: Partial<Record<SubscribeKind, string>>;
}

// ---------------------------------------------------------------------------
// Lobby socket: GET /api/lobby?topic=<id>

export type LobbyServerFrame =
  /**
   * online: people waiting in the lobby now plus two per match in the last 5 minutes (chatting now,
   * approximately). waiting: people waiting now. estimateMs: the expected wait from the recent
   * pairing rate, null while there is no recent pairing to judge by. fallback: this person's topic
   * wait ran out and anyone may now be matched (sent once; the client keeps showing it).
   */
  | { type: "waiting"; online: number; waiting: number; estimateMs: number | null; fallback?: true }
  /** prompt: the same opening line for both (from the shared topic, or a general one). */
  | { type: "matched"; roomId: string; partner: { alias: string }; topic: string | null; prompt: string }
  | SocketError;

export type LobbyClientFrame = { type: "cancel" };

// ---------------------------------------------------------------------------
// Room socket: GET /api/rooms/:roomId?after=<seq>

export type RoomClientFrame =
  | { type: "send"; clientId: string; text: string }
  /** Next page of a resume: messages with seq > after (answered with a history frame). */
  | { type: "history"; after: number }
  | { type: "typing" }
  | { type: "leave" }
  /** messageId: the partner's message the report is about (long-press 举报), if any. */
  | { type: "report"; category?: ReportCategory; reason?: string; messageId?: string }
  /** A picture uploaded with POST /api/media for this room; acked like a send (`pending` while checked). */
  | { type: "image"; clientId: string; imageId: string }
  /** Withdraws one's own message within LIMITS.recallWindowMs; both sides get a `recalled` frame. */
  | { type: "recall"; id: string }
  /**
   * The state of one's own pictures this phone still shows as 审核中 (ids of messages, at most
   * LIMITS.imageQueryMax): each decided one gets its `image_status` (or `recalled`); one still
   * under check gets nothing; an unknown id gets `image_status` "expired" (it is gone).
   */
  | { type: "image_query"; ids: string[] }
  /** 保持联系: a private tap; answered `keep_pending` until the partner taps too, then both get `kept`. */
  | { type: "keep" };

export type RoomServerFrame =
  /** Oldest first. `more`: there are newer messages after the last one; ask with { type: "history", after }. */
  | { type: "history"; messages: HistoryMessage[]; more?: boolean }
  | { type: "presence"; partner: "online" | "offline" }
  /** `pending`: a picture the platform is still checking (show 审核中); an `image_status` frame follows. */
  | { type: "ack"; clientId: string; id: string; seq: number; at: number; pending?: true }
  /** `kind`/`image` as on HistoryMessage (a picture: `text` empty, a fresh signed `image.url`). */
  | { type: "message"; id: string; seq: number; from: "partner"; text: string; at: number; kind?: "image"; image?: MessageImage }
  /** To the sender: the check of their picture `id` ended. "passed": shown to the partner now; otherwise removed. */
  | { type: "image_status"; id: string; clientId: string; status: "passed" | "rejected" | "expired"; image?: MessageImage }
  /** Message `id` was withdrawn by its sender (`from` as the receiver sees it): show 你撤回了/对方撤回了一条消息. */
  | { type: "recalled"; id: string; seq: number; from: "me" | "partner" }
  | { type: "typing" }
  | { type: "partner_left" }
  | { type: "reported" }
  /**
   * Only to the person who wrote words of self-harm (never the partner): a calm card with help lines,
   * each one tap to call. At most once per conversation a day; kept until their next connect when away.
   */
  | { type: "care"; hotlines: CareHotline[] }
  /** To the tapper only: their 保持联系 is noted; nothing was shown to the partner. */
  | { type: "keep_pending" }
  /** Both tapped 保持联系: the chat is in both 我的聊天 lists. */
  | { type: "kept" }
  | SocketError;

export interface CareHotline {
  name: string;
  /** Digits and dashes, as wx.makePhoneCall takes them. */
  phone: string;
}

export interface SocketError {
  type: "error";
  code: ErrorCode;
  message: string;
  /** Set when the error is about one `send`: the clientId of that send. */
  clientId?: string;
}

export const ROOM_CLIENT_TYPES = ["send", "history", "typing", "leave", "report", "image", "recall", "image_query", "keep"] as const;

/** Length as the server counts it: Unicode code points (an emoji is 1, not 2). */
export function textLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
