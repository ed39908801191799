import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { on } from "./screen";
import { buildApp, loadSimulate, removeApp, type Simulate } from "./simulate";

let root: string;
let simulate: Simulate;
beforeAll(() => {
  simulate = loadSimulate();
  root = buildApp();
});
afterAll(() => removeApp(root));

function mount(path: string, props: Record<string, unknown> = {}) {
  const id = simulate.load(join(root, path), { rootPath: root });
  const comp = simulate.render(id, props);
  comp.attach(document.createElement("parent-wrapper"));
  return comp;
}

const row = (key: string, mine: boolean, text: string, status = "sent", error = "", retryable = status === "failed") => ({
  kind: "message",
  key,
  mine,
  text,
  status,
  clientId: mine ? `c-${key}` : "",
  error,
  retryable,
});

describe("message-list", () => {
  it("draws time separators, the earlier-chats divider and bubbles on both sides", async () => {
    const list = mount("components/message-list/index", {
      partnerAlias: "快乐的熊猫",
      myAvatar: "saved://me.png",
      rows: [
        { kind: "time", key: "t1", label: "昨天 21:00" },
        row("a", false, "上次聊到哪了"),
        { kind: "divider", key: "divider", label: "以前的聊天" },
        { kind: "time", key: "t2", label: "14:00" },
        row("b", true, "又是你！"),
      ],
    });
    await simulate.sleep(0);
    const dom = list.dom as HTMLElement;
    expect([...dom.querySelectorAll(".main--time")].map((n) => n.textContent)).toEqual(["昨天 21:00", "14:00"]);
    expect(dom.querySelector(".main--divider")?.textContent).toBe("以前的聊天");
    const theirs = dom.querySelector(".main--theirs") as HTMLElement;
    const mine = dom.querySelector(".main--mine") as HTMLElement;
    expect(theirs.querySelector(".main--bubble")?.textContent).toBe("上次聊到哪了");
    // The partner gets a placeholder avatar with the last character of their alias.
    expect(theirs.querySelector(".main--placeholder")?.textContent).toBe("猫");
    expect(mine.querySelector(".main--bubble")?.textContent).toBe("又是你！");
    // Own messages carry the local profile's avatar (an image), not the "我" placeholder.
    expect(mine.querySelector("wx-image.main--avatar")).not.toBeNull();
    expect(mine.querySelector(".main--placeholder")).toBeNull();
    // The divider sits between the earlier meeting and this one.
    const order = [...dom.querySelectorAll(".main--theirs, .main--divider, .main--mine")].map((n) => n.className);
    expect(order).toEqual(["main--row main--theirs main--is-sent", "main--divider", "main--row main--mine main--is-sent"]);
  });

  it("gives a partner whose alias ends in an emoji that whole emoji as the placeholder", async () => {
    const list = mount("components/message-list/index", { partnerAlias: "夜空的🌟", rows: [row("a", false, "你好")] });
    await simulate.sleep(0);
    const theirs = (list.dom as HTMLElement).querySelector(".main--theirs") as HTMLElement;
    expect(theirs.querySelector(".main--placeholder")?.textContent).toBe("🌟");
  });

  it("shows pending and failed states, and a tap on a failed message asks for a retry with its clientId", async () => {
    const list = mount("components/message-list/index", {
      rows: [row("p", true, "发送中的", "pending"), row("f", true, "没发出去", "failed", "发送超时")],
    });
    await simulate.sleep(0);
    const dom = list.dom as HTMLElement;
    expect(dom.querySelectorAll(".main--status.main--pending")).toHaveLength(1);
    expect(dom.querySelectorAll(".main--status.main--failed")).toHaveLength(1);
    // One retry phrase, not "发送超时，点击重试 · 点击重发".
    expect(dom.querySelector(".main--failed-reason")?.textContent).toBe("发送超时 · 点击重发");
    // Without a local avatar, own bubbles get the "我" placeholder.
    expect(dom.querySelector(".main--mine-placeholder")?.textContent).toBe("我");
    const retries: string[] = [];
    on(list, "retry", (e) => retries.push(e.detail.clientId));
    list.querySelector(".failed")!.dispatchEvent("tap");
    await simulate.sleep(0);
    expect(retries).toEqual(["c-f"]);
  });

  it("offers no retry for a message refused for its content", async () => {
    const list = mount("components/message-list/index", {
      rows: [row("r", true, "坏话", "failed", "未发送：包含不当内容", false)],
    });
    await simulate.sleep(0);
    const dom = list.dom as HTMLElement;
    expect(dom.querySelector(".main--failed-reason")?.textContent).toBe("未发送：包含不当内容");
    expect(dom.textContent).not.toContain("点击重发");
    const retries: string[] = [];
    on(list, "retry", (e) => retries.push(e.detail.clientId));
    list.querySelector(".failed")!.dispatchEvent("tap");
    list.querySelector(".failed-reason")!.dispatchEvent("tap");
    await simulate.sleep(0);
    expect(retries).toEqual([]);
  });

  it("shows the typing indicator only while the partner types", async () => {
    const list = mount("components/message-list/index", { rows: [] });
    await simulate.sleep(0);
    expect(list.dom!.textContent).not.toContain("对方正在输入");
    list.setData({ partnerTyping: true });
    await simulate.sleep(0);
    expect(list.dom!.textContent).toContain("对方正在输入");
  });
});

describe("input-bar", () => {
  it("emits typing while typing and send with the trimmed text, then clears", async () => {
    const bar = mount("components/input-bar/index");
    const events: string[] = [];
    on(bar, "typing", () => events.push("typing"));
    on(bar, "send", (e) => events.push(`send:${e.detail.text}`));
    const input = bar.querySelector(".input")!;
    input.dispatchEvent("input", { detail: { value: "  晚上好 " } });
    await simulate.sleep(0);
    bar.querySelector(".send")!.dispatchEvent("tap");
    await simulate.sleep(0);
    expect(events).toEqual(["typing", "send:晚上好"]);
    expect(bar.data.value).toBe("");
    // Nothing typed: the button sends nothing.
    bar.querySelector(".send")!.dispatchEvent("tap");
    await simulate.sleep(0);
    expect(events).toHaveLength(2);
  });

  it("sends nothing when disabled (the chat has ended)", async () => {
    const bar = mount("components/input-bar/index", { disabled: true, disabledHint: "聊天已结束" });
    const sent: string[] = [];
    on(bar, "send", (e) => sent.push(e.detail.text));
    bar.setData({ value: "还在吗" });
    bar.querySelector(".input")!.dispatchEvent("confirm", { detail: { value: "还在吗" } });
    await simulate.sleep(0);
    expect(sent).toEqual([]);
  });
});
