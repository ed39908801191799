import { describe, expect, it } from "vitest";
import { historyView, partnerFrame, pictureOf, type ViewSource } from "../../worker/message-view";

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
});
