import { env } from "cloudflare:test";
import { expect } from "vitest";
import { db } from "../../worker/db/client";
import { messages } from "../../worker/db/schema";
import type { AdminQueueReport, AdminQueueResponse, ReportCategory } from "../../worker/protocol";
import { adminApi, api, sleep } from "./helpers";
import { pairWithConversation } from "./safety-helpers";

/** A conversation whose D1 history is `lines` (the reported person said the odd ones, the reporter the even). */
export async function conversationSaying(lines: string[]) {
  const p = await pairWithConversation();
  const now = Date.now();
  const rows = lines.map((body, i) => ({
        id: crypto.randomUUID(),
        conversationId: p.conversationId,
        senderId: i % 2 === 0 ? p.bob.user.id : p.alice.user.id,
        body,
        seq: i + 1,
        createdAt: now - (lines.length - i) * 1000,
        kind: null,
      }));
  // Seven columns a row: 10 rows stay under D1's bound-parameter limit.
  for (let i = 0; i < rows.length; i += 10) await db(env.DB).insert(messages).values(rows.slice(i, i + 10));
  return p;
}

/** Alice reports Bob over REST (204) and returns the report's id. */
export async function reportBob(p: Awaited<ReturnType<typeof pairWithConversation>>, category: ReportCategory = "harassment", reason?: string): Promise<number> {
  const res = await api("/api/reports", { method: "POST", token: p.alice.token, json: { conversationId: p.conversationId, category, reason } });
  expect(res.status).toBe(204);
  const row = await env.DB.prepare("SELECT id FROM reports WHERE conversation_id = ?").bind(p.conversationId).first<{ id: number }>();
  return row!.id;
}

/** Waits for the background triage of a report to store its verdict (a marker, not a timer). */
export async function verdictOf(reportId: number, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const row = await env.DB.prepare("SELECT * FROM ai_verdicts WHERE report_id = ?").bind(reportId).first<Record<string, unknown>>();
    if (row) return row;
    if (Date.now() > until) throw new Error(`no verdict for report ${reportId}`);
    await sleep(20);
  }
}

/** Every page of the console queue. */
export async function consoleQueue(query = "status=open"): Promise<{ reports: AdminQueueReport[]; triage: AdminQueueResponse["triage"] }> {
  const reports: AdminQueueReport[] = [];
  let cursor: string | null = null;
  let triage: AdminQueueResponse["triage"] | undefined;
  do {
    const res = await adminApi(`/api/admin/console/reports?${query}&limit=3${cursor ? `&cursor=${cursor}` : ""}`);
    expect(res.status).toBe(200);
    const body: AdminQueueResponse = await res.json();
    reports.push(...body.reports);
    triage = body.triage;
    cursor = body.nextCursor;
  } while (cursor);
  return { reports, triage: triage! };
}

export async function auditCount(action: string, target: string | null): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM admin_audit WHERE action = ? AND target IS ?").bind(action, target).first<{ n: number }>();
  return row!.n;
}
