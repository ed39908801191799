// Reads what the server sends on the lobby and room sockets and hands each frame to the part of
// the client it is about; no state of its own.
import type { ChatStore, EndReason } from "./chat-state";
import { PERMANENT_ERRORS, type Channel, type Connection } from "./connection";
import type { HistoryWalk } from "./history-walk";
import type { KeepInTouch } from "./keep-in-touch";
import type { Outbox } from "./outbox";
import type { Refusals } from "./refusals";
import type { ReportRequest } from "./report-request";
import type { Typing } from "./typing";
import type { ErrorCode, LobbyServerFrame, RoomClientFrame, RoomServerFrame } from "./protocol";

/** Server errors that answer a send: they fail the oldest send still waiting on this socket. */
const SEND_ERRORS: ReadonlySet<string> = new Set<ErrorCode>([
  "bad_message",
  "text_too_long",
  "empty_text",
  "content_rejected",
  "moderation_unavailable",
  "rate_limited",
  "frame_too_large",
]);

/** The client's parts the frames act on, and its two endings. */
export interface FrameParts {
  store: ChatStore;
  connection: Connection;
  outbox: Outbox;
  history: HistoryWalk;
  typing: Typing;
  report: ReportRequest;
  keep: KeepInTouch;
  refusals: Refusals;
  /** The chat is over (the page shows why). */
  end(reason: EndReason): void;
  /** Stops for good with a code the page shows as a screen (banned, refused room…). */
  fail(code: string): void;
}

/** One text frame from the socket on `channel`; anything that is not a typed JSON object is ignored. */
export function readServerFrame(channel: Channel, data: string, parts: FrameParts): void {
  let frame: LobbyServerFrame | RoomServerFrame;
  try {
    frame = JSON.parse(data) as LobbyServerFrame | RoomServerFrame;
  } catch {
    return;
  }
  if (!frame || typeof frame !== "object" || typeof frame.type !== "string") return;
  if (channel === "lobby") readLobbyFrame(frame as LobbyServerFrame, parts);
  else readRoomFrame(frame as RoomServerFrame, parts);
}

function readLobbyFrame(frame: LobbyServerFrame, { store, connection, history, end, fail }: FrameParts): void {
  switch (frame.type) {
    case "waiting":
      store.update({
        phase: "waiting",
        online: frame.online,
        estimateMs: frame.estimateMs ?? null,
        // Said once by the lobby; count broadcasts after it do not repeat it.
        fallback: store.state.fallback || frame.fallback === true,
      });
      return;
    case "matched":
      connection.close();
      history.fresh();
      store.update({
        phase: "chatting",
        connected: false,
        roomId: frame.roomId,
        partnerAlias: frame.partner.alias,
        topic: frame.topic ?? store.state.topic,
        prompt: frame.prompt ?? null,
        keep: "none",
        partnerPresence: null,
        messages: [],
        lastSeq: 0,
      });
      void connection.open("room");
      return;
    case "error":
      if (frame.code === "replaced") return end("replaced");
      if (PERMANENT_ERRORS.has(frame.code)) return fail(frame.code);
      store.notice(frame.code);
      return;
  }
}

function readRoomFrame(frame: RoomServerFrame, parts: FrameParts): void {
  const { store, connection, outbox, typing, report, end, fail } = parts;
  switch (frame.type) {
    case "history":
      return parts.history.page(frame);
    case "presence":
      store.update({ partnerPresence: frame.partner });
      return;
    case "ack":
      parts.refusals.allowFreshLogin();
      outbox.settle(frame.clientId);
      store.ack(frame);
      return;
    case "message":
      typing.clear();
      store.mergeServer([frame], false);
      store.update({ partnerTyping: false });
      return;
    case "recalled":
      return store.recalled(frame.id);
    case "image_status":
      return store.imageStatus(frame);
    case "typing":
      return typing.partner();
    case "partner_left":
      return end("partner_left");
    case "care":
      // Only ever sent to the person who wrote it; shown until they close it.
      store.update({ care: frame.hotlines });
      return;
    case "keep_pending":
      return parts.keep.pending();
    case "kept":
      return parts.keep.kept();
    case "reported":
      report.filed();
      // The server blocked the pair: this room is over for us; the partner sees "left".
      connection.transmit({ type: "leave" } satisfies RoomClientFrame);
      return end("reported");
    case "error":
      if (report.refused(frame.code)) return;
      if (frame.code === "conversation_ended") return end("ended");
      if (frame.code === "replaced") return end("replaced");
      if (PERMANENT_ERRORS.has(frame.code)) return fail(frame.code);
      if (frame.code === "ticket_required") return parts.refusals.ticketRequired();
      if (SEND_ERRORS.has(frame.code)) outbox.refused(frame.clientId, frame.code);
      store.notice(frame.code);
      return;
  }
}
