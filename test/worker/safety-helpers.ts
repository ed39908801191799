import { env } from "cloudflare:test";
import { db } from "../../worker/db/client";
import { getOrCreateConversation } from "./helpers";
import { messages, type MessageRow } from "../../worker/db/schema";
import { devLogin } from "./helpers";

/** Two fresh users and their conversation, as the lobby would have made it. */
export async function pairWithConversation() {
  const alice = await devLogin();
  const bob = await devLogin();
  const conversation = await getOrCreateConversation(env.DB, alice.user.id, bob.user.id, Date.now());
  return { alice, bob, conversationId: conversation.id };
}

/** Writes history straight into D1 (as the room's copy would), alternating senders from seq 1. */
export async function seedMessages(
  conversationId: string,
  senders: [string, string],
  count: number,
  at: (i: number) => number = (i) => Date.now() - (count - i) * 1000,
): Promise<MessageRow[]> {
  const rows: MessageRow[] = Array.from({ length: count }, (_, i) => ({
    id: crypto.randomUUID(),
    conversationId,
    senderId: senders[i % 2],
    body: `message ${i + 1}`,
    seq: i + 1,
    createdAt: at(i),
    kind: null,
  }));
  const orm = db(env.DB);
  for (let i = 0; i < rows.length; i += 10) await orm.insert(messages).values(rows.slice(i, i + 10));
  return rows;
}
