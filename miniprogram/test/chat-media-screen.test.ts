// Pictures and recall on the chat screen (issue 14), under miniprogram-simulate: the picture
// button (chooseMedia → uploadFile with the token → image frame), 审核中, the thumbnail opening
// wx.previewImage, 撤回 in the long-press menu of one's own recent message, the recalled lines.
import { describe, expect, it } from "vitest";
import { chatInRoom, on, text } from "./screen";
import { usePages } from "./simulate";

const pages = usePages(8);
const { mount, settle } = pages;
const row = (key: string, mine: boolean, extra: Record<string, unknown> = {}) => ({
  kind: "message",
  key,
  mine,
  text: `text ${key}`,
  status: "sent",
  clientId: "",
  error: "",
  retryable: false,
  id: `m-${key}`,
  recalledLine: "",
  imageUrl: "",
  thumbWidth: 0,
  thumbHeight: 0,
  checking: false,
  at: Date.now(),
  ...extra,
});

describe("message list: pictures and recall", () => {
  it("offers 撤回 on one's own message within 2 minutes only, and never on the partner's", async () => {
    const list = mount("components/message-list/index", {
      rows: [row("new", true), row("old", true, { at: Date.now() - 121_000 }), row("theirs", false)],
    });
    await pages.simulate.sleep(0);
    const recalls: unknown[] = [];
    on(list, "recall", (e) => recalls.push(e.detail));
    const bubbles = list.querySelectorAll(".bubble");
    pages.fake.actionSheetTap = 1;
    for (const b of bubbles) {
      b.dispatchEvent("longpress");
      await settle();
    }
    expect(pages.fake.actionSheets).toEqual([["复制", "撤回"], ["复制"], ["复制", "举报"]]);
    expect(recalls).toEqual([{ id: "m-new" }]);
  });

  it("draws recalled lines, a thumbnail with 审核中, and opens pictures full screen on tap", async () => {
    const url = "https://chat.test/api/media/i2?sig=s";
    const list = mount("components/message-list/index", {
      rows: [
        row("a", true, { recalledLine: "你撤回了一条消息", text: "" }),
        row("b", false, { recalledLine: "对方撤回了一条消息", text: "" }),
        row("c", true, { text: "", imageUrl: "wxfile://tmp/mine.jpg", thumbWidth: 160, thumbHeight: 120, checking: true }),
        row("d", false, { text: "", imageUrl: url, thumbWidth: 90, thumbHeight: 160 }),
      ],
    });
    await pages.simulate.sleep(0);
    expect(text(list)).toContain("你撤回了一条消息");
    expect(text(list)).toContain("对方撤回了一条消息");
    expect(text(list)).not.toContain("text a");
    const pictures = list.querySelectorAll(".picture");
    expect(pictures).toHaveLength(2);
    expect(text(pictures[0]!)).toContain("审核中");
    expect(text(pictures[1]!)).not.toContain("审核中");
    pictures[1]!.dispatchEvent("tap");
    await settle();
    expect(pages.fake.previews).toEqual([{ current: url, urls: ["wxfile://tmp/mine.jpg", url] }]);
  });
});

describe("chat page: sending a picture", () => {
  const openChat = () => chatInRoom(pages);

  it("picks a compressed picture, uploads it with the token, sends the image frame and shows 审核中", async () => {
    const { page, room } = await openChat();
    page.querySelector(".input-bar")!.querySelector(".pic-btn")!.dispatchEvent("tap");
    await settle();
    expect(pages.fake.uploads).toEqual([
      {
        url: "http://127.0.0.1:8787/api/media",
        filePath: "wxfile://tmp/photo.jpg",
        name: "file",
        formData: { conversationId: "r1" },
        header: { Authorization: "Bearer tok" },
      },
    ]);
    const frame = room.frames.find((f) => f.type === "image") as { clientId: string; imageId: string };
    expect(frame.imageId).toBe("img1");
    room.receive({ type: "ack", clientId: frame.clientId, id: "m1", seq: 1, at: Date.now(), pending: true });
    await settle();
    expect(text(page.querySelector(".messages")!)).toContain("审核中");
  });

  it("tells why an upload was refused, on the picture's bubble, and sends nothing", async () => {
    const { page, room } = await openChatAndFail();
    expect(text(page.querySelector(".messages")!)).toContain("只能发送 JPG/PNG/GIF 图片");
    expect(text(page.querySelector(".messages")!)).not.toContain("点击重发");
    expect(room.frames.filter((f) => f.type === "image")).toEqual([]);
  });

  it("shows the picture at once with its upload progress, then sends it (issue 19 item 3)", async () => {
    pages.fake.holdUploads = true;
    const { page, room } = await openChat();
    page.querySelector(".input-bar")!.querySelector(".pic-btn")!.dispatchEvent("tap");
    await settle();
    const messages = () => page.querySelector(".messages")!;
    // Before the upload answers: the local file in a bubble, 上传中 0%.
    expect(messages().querySelectorAll(".picture")).toHaveLength(1);
    expect(page.data.rows.find((r: { kind: string }) => r.kind === "message")).toMatchObject({ imageUrl: "wxfile://tmp/photo.jpg", status: "pending" });
    expect(text(messages())).toContain("上传中 0%");
    pages.fake.uploadProgress[0]!({ progress: 45 });
    await settle();
    expect(text(messages())).toContain("上传中 45%");
    expect(room.frames.filter((f) => f.type === "image")).toEqual([]);
    pages.fake.heldUploads[0]!();
    await settle();
    const frame = room.frames.find((f) => f.type === "image") as { clientId: string; imageId: string };
    expect(frame.imageId).toBe("img1");
    expect(text(messages())).not.toContain("上传中");
    room.receive({ type: "ack", clientId: frame.clientId, id: "m1", seq: 1, at: Date.now(), pending: true });
    await settle();
    expect(text(messages())).toContain("审核中");
    expect(page.data.rows.filter((r: { kind: string }) => r.kind === "message")).toHaveLength(1);
  });

  it("a picture over 2 MB says so about the picture", async () => {
    pages.fake.chosenMedia = { tempFilePath: "wxfile://tmp/huge.jpg", size: 3_000_000 };
    const { page, room } = await openChat();
    page.querySelector(".input-bar")!.querySelector(".pic-btn")!.dispatchEvent("tap");
    await settle();
    expect(pages.fake.toasts).toContain("图片太大了（最大 2 MB）");
    expect(pages.fake.toasts).not.toContain("内容太长了");
    expect(pages.fake.uploads).toEqual([]);
    expect(room.frames).toEqual([]);
  });

  it("the server's 413 also speaks about the picture, with no retry", async () => {
    pages.fake.uploadAnswer = { statusCode: 413, data: JSON.stringify({ error: { code: "payload_too_large", message: "too big" } }) };
    const { page } = await openChat();
    page.querySelector(".input-bar")!.querySelector(".pic-btn")!.dispatchEvent("tap");
    await settle();
    expect(text(page.querySelector(".messages")!)).toContain("图片太大了（最大 2 MB）");
    expect(text(page.querySelector(".messages")!)).not.toContain("点击重发");
  });

  it("an upload that failed on the network is uploaded again by 点击重发, then sent once", async () => {
    pages.fake.uploadAnswer = "fail";
    const { page, room } = await openChat();
    page.querySelector(".input-bar")!.querySelector(".pic-btn")!.dispatchEvent("tap");
    await settle();
    expect(text(page.querySelector(".messages")!)).toContain("图片上传失败 · 点击重发");
    pages.fake.uploadAnswer = { statusCode: 201, data: JSON.stringify({ id: "img2", status: "pending", contentType: "image/jpeg", bytes: 1, width: 10, height: 10 }) };
    page.querySelector(".messages")!.querySelector(".failed-reason")!.dispatchEvent("tap");
    await settle();
    expect(pages.fake.uploads.map((u) => u.filePath)).toEqual(["wxfile://tmp/photo.jpg", "wxfile://tmp/photo.jpg"]);
    expect(room.frames.filter((f) => f.type === "image")).toEqual([{ type: "image", clientId: expect.any(String), imageId: "img2" }]);
  });

  async function openChatAndFail() {
    pages.fake.uploadAnswer = { statusCode: 415, data: JSON.stringify({ error: { code: "unsupported_image", message: "no" } }) };
    const opened = await openChat();
    opened.page.querySelector(".input-bar")!.querySelector(".pic-btn")!.dispatchEvent("tap");
    await settle();
    return opened;
  }
});
