// Pictures and recall in the chat client (issue 14): an image frame for an uploaded picture,
// 审核中 until the check's verdict, the recalled lines, and 撤回 only for one's own within 2 minutes.
import { beforeEach, describe, expect, it } from "vitest";
import type { ChatClient } from "../lib/chat-client";
import { buildRows, RECALLED_MINE, RECALLED_PARTNER } from "../lib/chat-view";
import { IMAGE_REJECTED_LINE } from "../lib/message-list";
import { FakeNetwork, FakeSocket, ManualClock, flush, matchInto, testClient } from "./fakes";

describe("ChatClient: pictures and recall", () => {
  let net: FakeNetwork;
  let clock: ManualClock;
  let client: ChatClient;
  let notices: string[];

  beforeEach(() => {
    net = new FakeNetwork();
    clock = new ManualClock();
    notices = [];
    client = testClient(net, clock);
    client.onNotice((n) => notices.push(n.code));
  });

  const enterRoom = (): Promise<FakeSocket> => matchInto(client, net, { presence: true });

  const rows = () => buildRows(client.snapshot.messages, clock.now()).filter((r) => r.kind === "message") as any[];

  it("sends an uploaded picture, shows 审核中 while checked, then the signed link", async () => {
    const room = await enterRoom();
    expect(client.sendImage({ id: "img1", url: null, width: 800, height: 400, localPath: "wxfile://tmp/a.jpg" })).toBe(true);
    expect(room.frames.at(-1)).toEqual({ type: "image", clientId: "c1", imageId: "img1" });
    expect(rows()[0]).toMatchObject({ status: "pending", imageUrl: "wxfile://tmp/a.jpg", thumbWidth: 160, thumbHeight: 80 });

    room.receive({ type: "ack", clientId: "c1", id: "m1", seq: 1, at: clock.now(), pending: true });
    expect(rows()[0]).toMatchObject({ status: "sent", checking: true, id: "m1" });
    const image = { id: "img1", url: "https://chat.test/api/media/img1?sig=x", width: 800, height: 400 };
    room.receive({ type: "image_status", id: "m1", clientId: "c1", status: "passed", image });
    expect(rows()[0]).toMatchObject({ checking: false, imageUrl: image.url });
  });

  it("a refused picture fails without a retry; a partner's picture shows with its link", async () => {
    const room = await enterRoom();
    client.sendImage({ id: "img2", url: null, width: 10, height: 10 });
    room.receive({ type: "ack", clientId: "c1", id: "m1", seq: 1, at: clock.now(), pending: true });
    room.receive({ type: "image_status", id: "m1", clientId: "c1", status: "rejected" });
    expect(rows()[0]).toMatchObject({ status: "failed", retryable: false, error: IMAGE_REJECTED_LINE, checking: false });

    const image = { id: "img3", url: "https://chat.test/api/media/img3?sig=y", width: 200, height: 400 };
    room.receive({ type: "message", id: "m2", seq: 2, from: "partner", text: "", at: clock.now(), kind: "image", image });
    expect(rows()[1]).toMatchObject({ mine: false, imageUrl: image.url, thumbWidth: 80, thumbHeight: 160 });
  });

  it("recalls one's own message within 2 minutes and shows the recalled lines", async () => {
    const room = await enterRoom();
    client.send("说错了");
    room.receive({ type: "ack", clientId: "c1", id: "m1", seq: 1, at: clock.now() });
    room.receive({ type: "message", id: "m2", seq: 2, from: "partner", text: "嗯？", at: clock.now() });

    expect(client.recall("m2")).toBe(false); // not mine: not even asked
    expect(client.recall("m1")).toBe(true);
    expect(room.frames.at(-1)).toEqual({ type: "recall", id: "m1" });
    room.receive({ type: "recalled", id: "m1", seq: 1, from: "me" });
    room.receive({ type: "recalled", id: "m2", seq: 2, from: "partner" });
    expect(rows().map((r) => [r.text, r.recalledLine])).toEqual([
      ["", RECALLED_MINE],
      ["", RECALLED_PARTNER],
    ]);
    // A resumed history saying "recalled" also turns a shown message into the line.
    client.send("再来");
    room.receive({ type: "ack", clientId: "c2", id: "m3", seq: 3, at: clock.now() });
    room.receive({ type: "history", messages: [{ id: "m3", seq: 3, from: "me", text: "", at: clock.now(), clientId: "c2", kind: "recalled" }] });
    expect(rows()[2]).toMatchObject({ recalledLine: RECALLED_MINE, text: "" });
  });

  it("offers no recall after 2 minutes, and a server refusal is a notice, not the end of the chat", async () => {
    const room = await enterRoom();
    client.send("old");
    // Stored (the server's time) just over 2 minutes ago.
    room.receive({ type: "ack", clientId: "c1", id: "m1", seq: 1, at: clock.now() - 120_001 });
    const before = room.frames.length;
    expect(client.recall("m1")).toBe(false);
    expect(room.frames.length).toBe(before);
    expect(notices).toContain("recall_too_late");

    client.send("new");
    room.receive({ type: "ack", clientId: "c2", id: "m2", seq: 2, at: clock.now() });
    expect(client.recall("m2")).toBe(true);
    room.receive({ type: "error", code: "recall_too_late", message: "late" });
    expect(client.snapshot.phase).toBe("chatting");
    expect(rows()[1]).toMatchObject({ text: "new", recalledLine: "" });
  });
});
