import { describe, expect, it } from "vitest";
import type { Env } from "../../worker/env";
import { copyPending } from "../../worker/history/copy";
import type { RoomStore, StoredMessage } from "../../worker/room/store";

// The room's hand-off to a history writer: what was pending when the copy began goes over, in
// batches; what arrives meanwhile waits for the next alarm instead of prolonging this copy.

function fakeRoom(pending: number) {
  const messages: StoredMessage[] = [];
  let copiedThrough = 0;
  const add = () => {
    const seq = messages.length + 1;
    messages.push({ seq, id: `m${seq}`, sender: "u1", clientId: `c${seq}`, body: "hi", at: seq, flag: null, kind: "text" });
  };
  for (let i = 0; i < pending; i++) add();
  const store = {
    uncopied: (limit: number) => messages.filter((m) => m.seq > copiedThrough).slice(0, limit),
    markCopiedThrough: (seq: number) => {
      copiedThrough = Math.max(copiedThrough, seq);
    },
  } as unknown as RoomStore;
  const handoffs: number[] = [];
  const env = {
    HISTORY_WRITERS: "1",
    HISTORY_WRITER: {
      idFromName: (name: string) => name,
      get: () => ({
        copy: async (_shard: number, copy: { rows: unknown[] }) => {
          handoffs.push(copy.rows.length);
          add(); // a send lands while the writer's batch is in flight
          return { missing: false };
        },
      }),
    },
  } as unknown as Env;
  return { store, env, handoffs, uncopied: () => messages.filter((m) => m.seq > copiedThrough).length };
}

describe("room: history hand-off", () => {
  it("copies what was pending in one hand-off and leaves a message stored meanwhile for the next", async () => {
    const room = fakeRoom(3);
    expect(await copyPending(room.env, room.store, { conversationId: "c", userA: "a", userB: "b" })).toBe(3);
    expect(room.handoffs).toEqual([3]);
    expect(room.uncopied()).toBe(1);
  });

  it("still hands a long backlog over in full batches until it is through", async () => {
    const room = fakeRoom(1200);
    expect(await copyPending(room.env, room.store, { conversationId: "c", userA: "a", userB: "b" })).toBe(1202);
    expect(room.handoffs).toEqual([500, 500, 202]);
  });
});
