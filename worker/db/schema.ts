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
    reason: text("reason").notNull(),
    /** JSON ReportSnapshotMessage[]: the last 20 messages, oldest first. */
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
  },
  (t) => [
    index("images_conversation").on(t.conversationId),
    index("images_sender").on(t.senderId),
    index("images_pending").on(t.status, t.checkDeadline),
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

export type UserRow = typeof users.$inferSelect;
export type ConversationRow = typeof conversations.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
export type ReportRow = typeof reports.$inferSelect;
export type BlockRow = typeof blocks.$inferSelect;
export type MessageFlagRow = typeof messageFlags.$inferSelect;
export type ImageRow = typeof images.$inferSelect;
export type SubscriptionRow = typeof subscriptions.$inferSelect;
