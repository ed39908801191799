import { describe, expect, it } from "vitest";
import { buildRows, rowPatch, timeLabel } from "../lib/chat-view";
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

  it("separates earlier meetings (above) from this one (below) with 以上是以前的聊天", () => {
    const rows = buildRows([msg(1, base - 86_400_000, true), msg(2, base)], base);
    expect(rows.map((r) => r.kind)).toEqual(["time", "message", "divider", "time", "message"]);
    expect(rows[2]).toMatchObject({ label: "以上是以前的聊天" });
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

describe("rowPatch", () => {
  const at = (n: number) => base + n * 1000;
  it("sends only the new row for a new message, and only the changed row for an ack", () => {
    const before = buildRows([msg(1, at(1)), msg(2, at(2))], base);
    const pending: ChatMessage = { ...msg(3, at(3), false, "me"), id: null, seq: null, clientId: "c3", key: "c:c3", status: "pending" };
    const after = buildRows([msg(1, at(1)), msg(2, at(2)), pending], base);
    expect(Object.keys(rowPatch("rows", before, after))).toEqual([`rows[${before.length}]`]);
    const acked = buildRows([msg(1, at(1)), msg(2, at(2)), { ...pending, id: "m3", seq: 3, status: "sent" }], base);
    const patch = rowPatch("rows", after, acked);
    expect(patch).toEqual({ [`rows[${before.length}]`]: acked[before.length] });
    expect(rowPatch("rows", acked, acked)).toEqual({});
  });

  it("replaces the whole list when rows are removed or inserted above", () => {
    const rows = buildRows([msg(1, at(1)), msg(2, at(2))], base);
    expect(rowPatch("rows", rows, [])).toEqual({ rows: [] });
    const earlier = buildRows([msg(0, at(0) - 86_400_000, true), msg(1, at(1)), msg(2, at(2))], base);
    expect(Object.keys(rowPatch("rows", rows, earlier))).toEqual(["rows"]);
  });
});
