import { describe, expect, it } from "vitest";
import { buildRows, timeLabel } from "../lib/chat-view";
import type { ChatMessage } from "../lib/message-list";

const base = new Date(2026, 4, 20, 14, 0).getTime();

function msg(n: number, at: number, earlier = false, from: "me" | "partner" = "partner"): ChatMessage {
  return { key: `k${n}`, id: `m${n}`, seq: n, clientId: null, from, text: `t${n}`, at, status: "sent", earlier, error: null, retryable: true };
}

describe("buildRows", () => {
  it("puts a time separator before the first message and after five quiet minutes", () => {
    const rows = buildRows([msg(1, base), msg(2, base + 60_000, false, "me"), msg(3, base + 7 * 60_000)], base + 8 * 60_000);
    expect(rows.map((r) => (r.kind === "message" ? `${r.mine ? "me" : "them"}:${r.text}` : `${r.kind}:${r.label}`))).toEqual([
      "time:14:00",
      "them:t1",
      "me:t2",
      "time:14:07",
      "them:t3",
    ]);
  });

  it("separates earlier meetings from this one with 以前的聊天", () => {
    const rows = buildRows([msg(1, base - 86_400_000, true), msg(2, base)], base);
    expect(rows.map((r) => r.kind)).toEqual(["time", "message", "divider", "time", "message"]);
    expect(rows[2]).toMatchObject({ label: "以前的聊天" });
    expect(rows[0]).toMatchObject({ label: "昨天 14:00" });
  });

  it("shows no divider when there is no earlier history", () => {
    expect(buildRows([msg(1, base)], base).some((r) => r.kind === "divider")).toBe(false);
  });

  it("labels older days with the date", () => {
    expect(timeLabel(new Date(2026, 2, 2, 9, 5).getTime(), base)).toBe("3月2日 09:05");
    expect(timeLabel(new Date(2025, 2, 2, 9, 5).getTime(), base)).toBe("2025年3月2日 09:05");
  });
});
