// Bench-only: onechat's room with its durable write taken out (messages kept in memory, nothing
// copied to D1), to measure what durability costs in the same runtime and run. Everything else
// (auth at the upgrade, checks, limits, dedupe, delivery) is the production Room.
import { Room } from "../../worker/room/room";
import { RoomStore, type StoredMessage } from "../../worker/room/store";

class MemoryStore extends RoomStore {
  private readonly byClient = new Map<string, StoredMessage>();
  private readonly log: StoredMessage[] = [];
  private seq = 1;

  override findByClientId(sender: string, clientId: string): StoredMessage | null {
    return this.byClient.get(`${sender}/${clientId}`) ?? null;
  }

  override append(input: Omit<StoredMessage, "seq">): StoredMessage {
    const stored = { ...input, seq: this.seq++ };
    this.byClient.set(`${input.sender}/${input.clientId}`, stored);
    this.log.push(stored);
    return stored;
  }

  override latest(limit: number, floor = 0): StoredMessage[] {
    return this.log.filter((m) => m.seq > floor).slice(-limit);
  }

  override page(after: number, limit: number): { messages: StoredMessage[]; more: boolean } {
    const rest = this.log.filter((m) => m.seq > after);
    return { messages: rest.slice(0, limit), more: rest.length > limit };
  }

  override nextSeq(): number {
    return this.seq;
  }

  override sendTimes(sender: string, since: number, limit: number): number[] {
    return this.log.filter((m) => m.sender === sender && m.at >= since).slice(-limit).map((m) => m.at);
  }

  override uncopied(): StoredMessage[] {
    return [];
  }

  override hasUncopied(): boolean {
    return false;
  }
}

export class VolatileRoom extends Room {
  protected override openStore(ctx: DurableObjectState): RoomStore {
    return new MemoryStore(ctx.storage.sql);
  }
}
