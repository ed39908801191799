import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

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

export type UserRow = typeof users.$inferSelect;
export type ConversationRow = typeof conversations.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
