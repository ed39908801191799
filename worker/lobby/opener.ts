// Group commit for new conversations: while one D1 round trip is in flight, the pairs formed
// meanwhile wait and go together in the next. One pair alone pays one round trip as before; a
// burst of joiners pays one round trip per group instead of one per pair.
import { getOrCreateConversations } from "../db/conversations";

interface Waiting {
  pair: readonly [string, string];
  resolve(conversationId: string): void;
  reject(error: unknown): void;
}

/** Pairs per D1 batch. */
const GROUP_MAX = 100;

export class ConversationOpener {
  // Only promises in flight live here: nothing a wake-up would need to restore.
  private waiting: Waiting[] = [];
  private draining = false;

  constructor(private readonly d1: D1Database) {}

  /** The conversation id for this pair, created if it did not exist. */
  open(a: string, b: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ pair: [a, b], resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.waiting.length > 0) {
        const group = this.waiting.splice(0, GROUP_MAX);
        try {
          const rows = await getOrCreateConversations(this.d1, group.map((w) => w.pair), Date.now(), true);
          group.forEach((w, i) => w.resolve(rows[i].id));
        } catch (error) {
          for (const w of group) w.reject(error);
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
