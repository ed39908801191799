import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// No nickname, avatar, OpenID or session_key anywhere: a person is a random id plus a keyed hash.

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  /** HMAC-SHA256(IDENTITY_PEPPER, platform + ":" + openid), hex. */
  identityHash: text("identity_hash").notNull().unique(),
  platform: text("platform", { enum: ["wechat", "qq", "dev"] }).notNull(),
  createdAt: integer("created_at").notNull(),
  lastSeenAt: integer("last_seen_at").notNull(),
  bannedAt: integer("banned_at"),
  /** When the person confirmed they are 18 or older (no birth date is asked or kept); null: not yet. */
  adultConfirmedAt: integer("adult_confirmed_at"),
  /** Set by an admin (e.g. after a "疑似未成年" report): no matching until lifted. */
  matchingSuspendedAt: integer("matching_suspended_at"),
  /**
   * Set when the person erased themselves. The row stays as an empty stand-in (no identity hash,
   * no marks) so the partner's copy of their conversations keeps its foreign keys; it is no
   * account (userQuery never finds it) and goes with the erasure's retention (db/erasure.ts).
   */
  erasedAt: integer("erased_at"),
  /** When an admin last lifted a suspension: the lobby pairs the person carefully for a while (lobby/standing.ts). */
  matchingResumedAt: integer("matching_resumed_at"),
});

/** One row per pair, ever: meeting again continues the same conversation. */
export const conversations = sqliteTable(
  "conversations",
  {
    id: text("id").primaryKey(),
    /** The smaller of the two user ids. */
    userA: text("user_a")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    userB: text("user_b")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
    lastMessageAt: integer("last_message_at"),
    /** The newest seq D1 holds (0: none yet): whether history is left past a "delete chat" mark, without reading messages. */
    lastSeq: integer("last_seq").notNull().default(sql`0`),
    /**
     * Never later than the oldest message D1 holds for this pair (null: none). Retention finds
     * conversations with old history through its index instead of an index on every message;
     * the copy writes it only when it moves down, so the index changes about once per pair.
     */
    firstMessageAt: integer("first_message_at"),
    /** "Delete chat" is per person: each one's history starts after their mark (a seq; 0 = nothing hidden). */
    hiddenSeqA: integer("hidden_seq_a").notNull().default(sql`0`),
    hiddenSeqB: integer("hidden_seq_b").notNull().default(sql`0`),
    /** When the lobby last paired these two: no new pairing within REMATCH_COOLDOWN_MS unless kept. */
    lastMatchedAt: integer("last_matched_at"),
    /** When a kept chat was ended (or blocked): the room refuses to reopen until they are matched again. */
    endedAt: integer("ended_at"),
  },
  (t) => [
    uniqueIndex("conversations_pair").on(t.userA, t.userB),
    index("conversations_user_b").on(t.userB),
    // Retention: conversations holding messages older than the cutoff (db/retention.ts deleteOldMessages).
    index("conversations_first_message").on(t.firstMessageAt),
  ],
);

/**
 * One row per message and no secondary index: the key (conversation_id, seq) serves every read
 * (a page of a conversation, a conversation's deletion, the copy's idempotence), and lookups by
 * sender or time go through conversations. The table is WITHOUT ROWID (migration
 * 0009_messages_without_rowid, hand-written: drizzle cannot say it), so the key is the b-tree itself:
 * one b-tree entry written per message.
 */
export const messages = sqliteTable(
  "messages",
  {
    /** Assigned by the room; unique, but found through (conversation_id, seq) or a scan of one conversation. */
    id: text("id").notNull(),
    /**
     * No foreign key: with HISTORY_SHARDS > 1 messages live in another database than their
     * conversation (worker/history/shards.ts); erasure and retention delete them explicitly.
     */
    conversationId: text("conversation_id").notNull(),
    senderId: text("sender_id").notNull(),
    body: text("body").notNull(),
    /** The room's order; the copy is idempotent on (conversation_id, seq). */
    seq: integer("seq").notNull(),
    createdAt: integer("created_at").notNull(),
    /** Null for text; "image" (body: the image id), "image_pending" (sender only) or "recalled" (body emptied). */
    kind: text("kind", { enum: ["image", "image_pending", "recalled"] }),
  },
  (t) => [primaryKey({ columns: [t.conversationId, t.seq] })],
);

/**
 * Messages copied per minute of their creation, one row per minute: the console's "messages in
 * the last minute" without an index on every message's time. The copy adds to it once per batch.
 */
export const messageMinutes = sqliteTable("message_minutes", {
  /** floor(created_at / 60000). */
  minute: integer("minute").primaryKey(),
  messages: integer("messages").notNull(),
});

export const adminAudit = sqliteTable("admin_audit", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  at: integer("at").notNull().default(sql`(unixepoch() * 1000)`),
  action: text("action").notNull(),
  target: text("target"),
  count: integer("count"),
});

// --- Safety (issue 5) -------------------------------------------------------------

/**
 * A participant's complaint about their partner, with what was said just before it,
 * so an admin can judge without the conversation still existing in full.
 */
export const reports = sqliteTable(
  "reports",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    reporterId: text("reporter_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /**
     * No foreign key: a report outlives the reported user's self-erasure and the conversation
     * (kept until retention, see db/erasure.ts); retention deletes it explicitly.
     */
    reportedId: text("reported_id").notNull(),
    conversationId: text("conversation_id").notNull(),
    /** The reporter's optional words ("" when none). */
    reason: text("reason").notNull(),
    /** The reporter's pick from the fixed list (REPORT_CATEGORIES); the admin queue orders by it. */
    category: text("category", { enum: ["minor", "sexual", "harassment", "fraud", "other"] })
      .notNull()
      .default("other"),
    /** JSON ReportSnapshotMessage[]: the last 20 messages and those around the pointed one, oldest first. */
    snapshot: text("snapshot").notNull(),
    createdAt: integer("created_at").notNull(),
    /** Set when an admin handled the report in the console; an open report has none. */
    handledAt: integer("handled_at"),
    handledAction: text("handled_action", { enum: ["ban", "dismiss", "delete_history"] }),
    handledNote: text("handled_note"),
  },
  (t) => [
    index("reports_created").on(t.createdAt),
    // The reporter's key cascades, and erasure and retention delete by these: no full scans.
    index("reports_reporter").on(t.reporterId),
    index("reports_reported").on(t.reportedId),
    index("reports_conversation").on(t.conversationId),
  ],
);

/** `blocker` never wants to meet `blocked` again; the lobby vetoes the pair in both directions. */
export const blocks = sqliteTable(
  "blocks",
  {
    blockerId: text("blocker_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** No foreign key: a block outlives the blocked user's self-erasure (see erasedUsers). */
    blockedId: text("blocked_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.blockerId, t.blockedId] }), index("blocks_blocked").on(t.blockedId)],
);

/** The local word filter; normalized (see moderation/normalize.ts) when stored. */
export const filterWords = sqliteTable("filter_words", {
  word: text("word").primaryKey(),
  createdAt: integer("created_at").notNull(),
});

/**
 * Messages delivered while under review (the platform said "review", or the platform check was
 * down and MODERATION_FAIL_MODE is "open"). A side table rather than a column on messages, so the
 * room's batched copy keeps its row shape; no foreign key, because the room may flag a message
 * before its copy reaches D1. Retention removes flags whose message is gone.
 */
export const messageFlags = sqliteTable(
  "message_flags",
  {
    messageId: text("message_id").primaryKey(),
    conversationId: text("conversation_id").notNull(),
    /** "review" (the platform asked for it) or "unchecked" (delivered without the platform check). */
    reason: text("reason", { enum: ["review", "unchecked"] }).notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("message_flags_created").on(t.createdAt)],
);

/**
 * What self-erasure leaves of a user, until RETENTION_DAYS after it: the identity hash and the old
 * id, so when the same person logs in again the blocks others placed on them, the reports about
 * them and a ban an admin placed after the erasure move to their new account. Nothing else of
 * theirs is kept.
 */
export const erasedUsers = sqliteTable(
  "erased_users",
  {
    identityHash: text("identity_hash").primaryKey(),
    userId: text("user_id").notNull(),
    erasedAt: integer("erased_at").notNull(),
    /** Banned before or after the erasure (acting on a report): the person comes back banned. */
    bannedAt: integer("banned_at"),
    /** Matching was suspended pending review: the person comes back suspended. */
    matchingSuspendedAt: integer("matching_suspended_at"),
  },
  (t) => [index("erased_users_erased").on(t.erasedAt), index("erased_users_user").on(t.userId)],
);

/**
 * The moderation copy of a recalled text message: gone from both chat views and REST, kept apart
 * for RECALL_EVIDENCE_MS (7 days) so a report made in that window carries what was said. No
 * foreign key: nothing outlives its window (retention deletes it).
 */
export const recalledMessages = sqliteTable(
  "recalled_messages",
  {
    messageId: text("message_id").primaryKey(),
    conversationId: text("conversation_id").notNull(),
    senderId: text("sender_id").notNull(),
    body: text("body").notNull(),
    recalledAt: integer("recalled_at").notNull(),
  },
  (t) => [index("recalled_messages_conversation").on(t.conversationId), index("recalled_messages_recalled").on(t.recalledAt)],
);

// --- Media and subscribe messages (issue 14) ---------------------------------------

/**
 * One uploaded picture: the R2 object under `key` and where its platform check stands. No foreign
 * keys: the rows outlive nothing, and deleting one must also delete the R2 object, which only
 * worker/media/store.ts does.
 */
export const images = sqliteTable(
  "images",
  {
    /** Random id; also the R2 key's last part. */
    id: text("id").primaryKey(),
    conversationId: text("conversation_id").notNull(),
    senderId: text("sender_id").notNull(),
    contentType: text("content_type").notNull(),
    bytes: integer("bytes").notNull(),
    width: integer("width").notNull(),
    height: integer("height").notNull(),
    status: text("status", { enum: ["pending", "passed", "rejected", "expired"] }).notNull(),
    /** WeChat mediaCheckAsync's trace_id; the push carries it back. */
    traceId: text("trace_id").unique(),
    createdAt: integer("created_at").notNull(),
    /** A pending check with no answer by then counts as failed. */
    checkDeadline: integer("check_deadline").notNull(),
    checkedAt: integer("checked_at"),
    /**
     * An upload must be sent in a message by this time (media/orphans.ts), or it is deleted; null
     * once a room took it into a message (and for pictures from before this rule).
     */
    sendBy: integer("send_by"),
  },
  (t) => [
    index("images_conversation").on(t.conversationId),
    index("images_sender").on(t.senderId),
    index("images_pending").on(t.status, t.checkDeadline),
    index("images_unsent").on(t.sendBy),
  ],
);

/**
 * A person's consent to one subscribe message (订阅消息) of one kind. The openid needed to send it
 * is kept only sealed, and the row is deleted when the message is sent or the consent lapses.
 */
export const subscriptions = sqliteTable(
  "subscriptions",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["matched", "reply"] }).notNull(),
    /** The openid, AES-256-GCM sealed to this user and kind (worker/platform/sealed.ts). */
    sealedOpenid: text("sealed_openid").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.kind] }), index("subscriptions_expires").on(t.expiresAt)],
);

// --- Automatic triage (issue 22) ------------------------------------------------

/**
 * A safety model's verdict on one report's snapshot or one flagged message. Its own table (not
 * columns on reports/message_flags) so an unclassified row needs nothing; exactly one of
 * `reportId`/`messageId` is set. No foreign keys: a report and a flag are deleted by retention and
 * erasure, which delete their verdicts with them (db/retention.ts, db/erasure.ts).
 */
export const aiVerdicts = sqliteTable(
  "ai_verdicts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    reportId: integer("report_id").unique(),
    messageId: text("message_id").unique(),
    /** "unsafe" / "safe": the model answered; "over_budget", "failed": it was not (fail open). */
    status: text("status", { enum: ["safe", "unsafe", "over_budget", "failed"] }).notNull(),
    /** Llama Guard's hazard codes, comma-joined ("S4,S12"); empty unless unsafe. */
    hazards: text("hazards").notNull().default(""),
    /** The console categories they map to, wrapped in commas (",child,sexual,") for a bound LIKE filter. */
    categories: text("categories").notNull().default(""),
    /** moderation/severity.ts's rank of the categories (0 = child safety … 4 = the rest). */
    severity: integer("severity").notNull(),
    model: text("model").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [index("ai_verdicts_at").on(t.at)],
);

/** Classifications charged per UTC day against AI_DAILY_BUDGET; one row a day, pruned by retention. */
export const aiBudget = sqliteTable("ai_budget", {
  day: text("day").primaryKey(),
  used: integer("used").notNull(),
});

/**
 * 保持联系: one row per person of a pair who both tapped "keep" (two rows a pair), so each has the
 * chat in 我的聊天 with their own read mark. Ending or blocking deletes both rows.
 */
export const keptChats = sqliteTable(
  "kept_chats",
  {
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    keptAt: integer("kept_at").notNull(),
    /** The highest seq this person has seen (set by the room when their socket opens and closes). */
    readSeq: integer("read_seq").notNull().default(sql`0`),
  },
  (t) => [primaryKey({ columns: [t.conversationId, t.userId] }), index("kept_chats_user").on(t.userId)],
);

/** Topics and their opening prompts, edited in the console; the defaults in topics.ts while empty. */
export const topics = sqliteTable("topics", {
  id: text("id").primaryKey(),
  title: text("title").notNull(),
  /** JSON string[]: the prompts one of which both people see on a match. */
  prompts: text("prompts").notNull(),
  position: integer("position").notNull(),
  /** False for the general prompts (id "general"), which are used after a fallback and not listed. */
  listed: integer("listed", { mode: "boolean" }).notNull(),
});

export type UserRow = typeof users.$inferSelect;
export type ConversationRow = typeof conversations.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
export type ReportRow = typeof reports.$inferSelect;
export type BlockRow = typeof blocks.$inferSelect;
export type MessageFlagRow = typeof messageFlags.$inferSelect;
export type ImageRow = typeof images.$inferSelect;
export type SubscriptionRow = typeof subscriptions.$inferSelect;
export type AiVerdictRow = typeof aiVerdicts.$inferSelect;
export type RecalledMessageRow = typeof recalledMessages.$inferSelect;
export type KeptChatRow = typeof keptChats.$inferSelect;
export type TopicRow = typeof topics.$inferSelect;
