// One stored message, each of its views: the history entry (room history frames and REST), the
// frame a partner receives, and the admin console's row. Whether from the room's SQLite or D1, a
// message is shaped here only; a picture's body is parsed, never cast.
import type { MessageRow } from "./db/schema";
import type { AdminConversationMessage, AdminUserMessage, HistoryMessage, MessageImage, ReportSnapshotMessage, RoomServerFrame } from "./protocol";

/** What every view needs of a stored message (the room's StoredMessage has it; a D1 row through fromRow). */
export interface ViewSource {
  id: string;
  seq: number;
  body: string;
  at: number;
  /** Null or "text" for text; "image_pending": a picture under the platform's check, its sender's alone. */
  kind: "text" | "image" | "image_pending" | "recalled" | null;
  /** Only the room knows it: one's own messages carry it, so a client merges its local copy. */
  clientId?: string;
}

/** A picture message's body: {"id","width","height"} (the image id from POST /api/media). */
export type Picture = Omit<MessageImage, "url">;

export type MessageFrame = Extract<RoomServerFrame, { type: "message" }>;

/** The body a picture message is stored with. */
export function pictureBody(picture: Picture): string {
  return JSON.stringify({ id: picture.id, width: picture.width, height: picture.height });
}

/** The picture of a picture message; null for other kinds or a body that is not a picture. */
export function pictureOf(m: Pick<ViewSource, "kind" | "body">): Picture | null {
  if (m.kind !== "image" && m.kind !== "image_pending") return null;
  let body: unknown;
  try {
    body = JSON.parse(m.body);
  } catch {
    return null;
  }
  if (typeof body !== "object" || body === null) return null;
  const { id, width, height } = body as Record<string, unknown>;
  if (typeof id !== "string" || id === "" || !isSize(width) || !isSize(height)) return null;
  return { id, width, height };
}

function isSize(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

/** A D1 message row as a view source (D1 keeps no clientId). */
export function fromRow(row: MessageRow): ViewSource {
  return { id: row.id, seq: row.seq, body: row.body, at: row.createdAt, kind: row.kind };
}

/**
 * A message as one participant sees it in history; null when they must not see it (the partner's
 * picture still under check, or a picture body that does not parse). `url` is a passed picture's
 * signed link (the room signs them; REST has none).
 */
export function historyView(m: ViewSource, mine: boolean, url: string | null = null): HistoryMessage | null {
  const base: HistoryMessage = mine
    ? { id: m.id, seq: m.seq, from: "me", text: m.body, at: m.at, ...(m.clientId !== undefined ? { clientId: m.clientId } : {}) }
    : { id: m.id, seq: m.seq, from: "partner", text: m.body, at: m.at };
  if (m.kind === "recalled") return { ...base, text: "", kind: "recalled" };
  if (m.kind !== "image" && m.kind !== "image_pending") return base; // text
  const picture = pictureOf(m);
  if (!picture) return null;
  if (m.kind === "image_pending") return mine ? { ...base, text: "", kind: "image", pending: true, image: { ...picture, url: null } } : null;
  return { ...base, text: "", kind: "image", image: { ...picture, url } };
}

/** The frame a partner receives when a message reaches them live: a text, or a passed picture with its link. */
export function partnerFrame(m: Pick<ViewSource, "id" | "seq" | "body" | "at">, image?: MessageImage): MessageFrame {
  const frame: MessageFrame = { type: "message", id: m.id, seq: m.seq, from: "partner", text: m.body, at: m.at };
  return image ? { ...frame, text: "", kind: "image", image } : frame;
}

/** A message in the admin console's conversation view: the stored body as it is (a picture's JSON). */
export function adminView(row: MessageRow): AdminConversationMessage {
  return { id: row.id, seq: row.seq, senderId: row.senderId, text: row.body, at: row.createdAt, ...(row.kind ? { kind: row.kind } : {}) };
}

/** A message in an admin's view of one user: sent or received, the stored body as it is. */
export function adminUserView(row: Pick<MessageRow, "id" | "conversationId" | "senderId" | "body" | "seq" | "createdAt">, userId: string): AdminUserMessage {
  return { id: row.id, conversationId: row.conversationId, direction: row.senderId === userId ? "sent" : "received", text: row.body, seq: row.seq, at: row.createdAt };
}

/**
 * A message in a report's snapshot: by side, never by id. A recalled one carries the text kept for
 * moderation (`keptText`, "" once that is gone); the message the reporter pointed at is highlighted
 * when it is the partner's.
 */
export function snapshotView(
  row: Pick<MessageRow, "id" | "seq" | "senderId" | "body" | "createdAt"> & { kind?: MessageRow["kind"] },
  report: { reporterId: string; reportedId: string; pointedId?: string },
  keptText?: string,
): ReportSnapshotMessage {
  return {
    id: row.id,
    seq: row.seq,
    from: row.senderId === report.reporterId ? "reporter" : "reported",
    text: row.kind === "recalled" ? (keptText ?? "") : row.body,
    at: row.createdAt,
    ...(row.id === report.pointedId && row.senderId === report.reportedId ? { highlighted: true as const } : {}),
    ...(row.kind === "recalled" ? { recalled: true as const } : {}),
  };
}
