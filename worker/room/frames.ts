// Validation of what a client may send into a room, after decodeFrame checked size and JSON.
import { socketError } from "../errors";
import { isInvisible } from "../moderation/normalize";
import { LIMITS, REPORT_CATEGORIES, ROOM_CLIENT_TYPES, textLength, type ReportCategory, type RoomClientFrame, type SocketError } from "../protocol";

export type SendFrame = Extract<RoomClientFrame, { type: "send" }>;

export type Parsed = { ok: true; frame: RoomClientFrame } | { ok: false; error: SocketError };

const bad = (message: string): Parsed => ({ ok: false, error: socketError("bad_message", message) });

export function parseRoomFrame(frame: { type: string } & Record<string, unknown>): Parsed {
  switch (frame.type) {
    case "send": {
      const { clientId, text } = frame;
      if (typeof clientId !== "string" || clientId.length === 0 || clientId.length > LIMITS.clientIdMax) {
        return bad(`"clientId" must be a string of 1 to ${LIMITS.clientIdMax} characters`);
      }
      if (typeof text !== "string") return bad('"text" must be a string');
      const trimmed = text.trim();
      if (trimmed.length === 0 || isInvisible(trimmed)) return { ok: false, error: socketError("empty_text", "Type something before sending") };
      // Count characters (code points), not UTF-16 units, so an emoji counts once; UTF-16 length
      // is an upper bound, so most texts skip the count.
      if (trimmed.length > LIMITS.textMax && textLength(trimmed) > LIMITS.textMax) {
        return { ok: false, error: socketError("text_too_long", `A message is at most ${LIMITS.textMax} characters`) };
      }
      return { ok: true, frame: { type: "send", clientId, text: trimmed } };
    }
    case "history": {
      const { after } = frame;
      if (typeof after !== "number" || !Number.isSafeInteger(after) || after < 0) {
        return bad('"after" must be a whole number of 0 or more (the last seq the client has)');
      }
      return { ok: true, frame: { type: "history", after } };
    }
    case "image": {
      const { clientId, imageId } = frame;
      if (typeof clientId !== "string" || clientId.length === 0 || clientId.length > LIMITS.clientIdMax) {
        return bad(`"clientId" must be a string of 1 to ${LIMITS.clientIdMax} characters`);
      }
      if (typeof imageId !== "string" || imageId.length === 0 || imageId.length > LIMITS.clientIdMax) {
        return bad('"imageId" must be the id POST /api/media returned');
      }
      return { ok: true, frame: { type: "image", clientId, imageId } };
    }
    case "recall": {
      const { id } = frame;
      if (typeof id !== "string" || id.length === 0 || id.length > LIMITS.clientIdMax) return bad('"id" must be a message id');
      return { ok: true, frame: { type: "recall", id } };
    }
    case "image_query": {
      const { ids } = frame;
      if (!Array.isArray(ids) || ids.length === 0 || ids.length > LIMITS.imageQueryMax) {
        return bad(`"ids" must list 1 to ${LIMITS.imageQueryMax} message ids`);
      }
      if (!ids.every((id): id is string => typeof id === "string" && id.length > 0 && id.length <= LIMITS.clientIdMax)) return bad('"ids" must be message ids');
      return { ok: true, frame: { type: "image_query", ids: [...new Set(ids)] } };
    }
    case "typing":
    case "leave":
    case "keep":
      return { ok: true, frame: { type: frame.type } };
    case "report": {
      const { category, reason, messageId } = frame;
      if (category !== undefined && !REPORT_CATEGORIES.includes(category as ReportCategory)) {
        return bad(`"category" must be one of ${REPORT_CATEGORIES.join(", ")}`);
      }
      if (reason !== undefined && (typeof reason !== "string" || textLength(reason.trim()) > LIMITS.reasonMax)) {
        return bad(`"reason" must be at most ${LIMITS.reasonMax} characters`);
      }
      if (category === undefined && (typeof reason !== "string" || reason.trim().length === 0)) {
        return bad(`"category" (or, from older clients, "reason") is required`);
      }
      if (messageId !== undefined && (typeof messageId !== "string" || messageId.length === 0 || messageId.length > LIMITS.clientIdMax)) {
        return bad(`"messageId" must be a message id`);
      }
      return {
        ok: true,
        frame: {
          type: "report",
          ...(category === undefined ? {} : { category: category as ReportCategory }),
          ...(reason === undefined ? {} : { reason: (reason as string).trim() }),
          ...(messageId === undefined ? {} : { messageId: messageId as string }),
        },
      };
    }
    default:
      return {
        ok: false,
        error: socketError("unknown_type", `Unknown frame type; expected one of ${ROOM_CLIENT_TYPES.join(", ")}`),
      };
  }
}
