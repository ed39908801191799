import { historyDbFor } from "../../worker/history/shards";
import { env } from "cloudflare:test";
import { copyHistory } from "../../worker/db/history";
import type { MessageRow } from "../../worker/db/schema";
import { pair } from "./helpers";

/** Two fresh users and their conversation (its id as `conversationId`): `pair()` under the name the safety tests use. */
export const pairWithConversation = pair;

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
  // Through the copy itself, so the conversation's bookkeeping (times retention reads) is kept too.
  await copyHistory(env.DB, [{ conversationId, rows, flags: [] }], historyDbFor(env, conversationId));
  return rows;
}
