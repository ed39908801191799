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
    /** "Delete chat" is per person: each one's history starts after their mark (a seq; 0 = nothing hidden). */
    hiddenSeqA: integer("hidden_seq_a").notNull().default(sql`0`),
    hiddenSeqB: integer("hidden_seq_b").notNull().default(sql`0`),
  },
  (t) => [
    uniqueIndex("conversations_pair").on(t.userA, t.userB),
    index("conversations_user_b").on(t.userB),
  ],
);

export const messages = sqliteTable(
  "messages",
  {
    /** Assigned by the room when it stores the message; the D1 copy is idempotent on it. */
    id: text("id").primaryKey(),
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    senderId: text("sender_id").notNull(),
    body: text("body").notNull(),
    seq: integer("seq").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("messages_conversation_seq").on(t.conversationId, t.seq),
    index("messages_sender").on(t.senderId, t.createdAt),
    index("messages_created").on(t.createdAt),
  ],
);

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
    reportedId: text("reported_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    reason: text("reason").notNull(),
    /** JSON ReportSnapshotMessage[]: the last 20 messages, oldest first. */
    snapshot: text("snapshot").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("reports_created").on(t.createdAt),
    // The foreign keys cascade from users and conversations; these keep those deletes off full scans.
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
    blockedId: text("blocked_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
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

export type UserRow = typeof users.$inferSelect;
export type ConversationRow = typeof conversations.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
export type ReportRow = typeof reports.$inferSelect;
export type BlockRow = typeof blocks.$inferSelect;
export type MessageFlagRow = typeof messageFlags.$inferSelect;
