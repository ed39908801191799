import { describe, expect, it } from "vitest";
import { adminUserView, historyView, partnerFrame, pictureOf, snapshotView, type ViewSource } from "../../worker/message-view";

// One stored message → its views (worker/message-view.ts): a picture's body is parsed, not cast.

const picture = (body: string, kind: ViewSource["kind"] = "image"): ViewSource => ({ id: "m1", seq: 3, body, at: 100, kind, clientId: "c1" });

describe("message views", () => {
  it("parses a picture body and refuses one that is not a picture", () => {
    expect(pictureOf(picture('{"id":"img1","width":40,"height":30}'))).toEqual({ id: "img1", width: 40, height: 30 });
    for (const body of ["not json", "null", "[]", '{"id":"img1"}', '{"id":7,"width":1,"height":1}', '{"id":"","width":1,"height":1}', '{"id":"i","width":"1","height":1}']) {
      expect(pictureOf(picture(body)), body).toBeNull();
      expect(historyView(picture(body), true), body).toBeNull();
    }
    expect(pictureOf({ kind: "text", body: '{"id":"img1","width":40,"height":30}' })).toBeNull();
  });

  it("shows a pending picture to its sender only, and a passed one with its link", () => {
    const body = '{"id":"img1","width":40,"height":30,"extra":true}';
    expect(historyView(picture(body, "image_pending"), false)).toBeNull();
    expect(historyView(picture(body, "image_pending"), true)).toEqual({
      id: "m1", seq: 3, from: "me", text: "", at: 100, clientId: "c1", kind: "image", pending: true, image: { id: "img1", width: 40, height: 30, url: null },
    });
    expect(historyView(picture(body), false, "https://x/v")).toEqual({
      id: "m1", seq: 3, from: "partner", text: "", at: 100, kind: "image", image: { id: "img1", width: 40, height: 30, url: "https://x/v" },
    });
  });

  it("gives texts and recalls the same shape in history and in the partner's frame", () => {
    const text: ViewSource = { id: "m2", seq: 4, body: "hi", at: 200, kind: "text" };
    expect(historyView(text, false)).toEqual({ id: "m2", seq: 4, from: "partner", text: "hi", at: 200 });
    expect(partnerFrame(text)).toEqual({ type: "message", id: "m2", seq: 4, from: "partner", text: "hi", at: 200 });
    expect(historyView({ ...text, kind: "recalled", body: "" }, true)).toEqual({ id: "m2", seq: 4, from: "me", text: "", at: 200, kind: "recalled" });
  });

  it("shapes a report's snapshot by side: the partner's pointed message highlighted, a recall with its kept text", () => {
    const report = { reporterId: "u-b", reportedId: "u-a", pointedId: "m2" };
    const row = (id: string, senderId: string, body: string, kind: "recalled" | null = null) => ({ id, seq: Number(id.slice(1)), senderId, body, createdAt: 10, kind });
    expect(snapshotView(row("m2", "u-a", "骂人的话"), report)).toEqual({ id: "m2", seq: 2, from: "reported", text: "骂人的话", at: 10, highlighted: true });
    // The reporter's own message is never highlighted, even when pointed at.
    expect(snapshotView(row("m2", "u-b", "我的话"), report)).toEqual({ id: "m2", seq: 2, from: "reporter", text: "我的话", at: 10 });
    expect(snapshotView(row("m3", "u-a", "", "recalled"), report, "撤回前的话")).toEqual({ id: "m3", seq: 3, from: "reported", text: "撤回前的话", at: 10, recalled: true });
    expect(snapshotView(row("m3", "u-a", "", "recalled"), report)).toMatchObject({ text: "", recalled: true });
  });

  it("shapes an admin's view of one user: sent or received, the stored body as it is", () => {
    const row = { id: "m1", conversationId: "c1", senderId: "u-a", body: '{"id":"img1","width":1,"height":1}', seq: 1, createdAt: 5, kind: "image" as const };
    expect(adminUserView(row, "u-a")).toEqual({ id: "m1", conversationId: "c1", direction: "sent", text: row.body, seq: 1, at: 5 });
    expect(adminUserView(row, "u-b").direction).toBe("received");
  });
});
