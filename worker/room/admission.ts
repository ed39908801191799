// Who may open a socket in this room: a connect the worker authenticated (connect.ts), from one of
// the pair, to a room not ended, within the user's reconnect budget (kept in storage).
import type { Env } from "../env";
import { errorResponse } from "../errors";
import { ROOM_CONNECT_RULE } from "../limits/rules";
import { take, type BucketState } from "../limits/token-bucket";
import { logEvent } from "../log";
import { readRoomConnect, type RoomConnect } from "./connect";
import { pruneExpired } from "./retention";
import { connectsKey, type RoomStore } from "./store";

export type Admission = { ok: true; info: RoomConnect } | { ok: false; response: Response };

/** Lets a connect in, or says why not. The first connect tells the room who the pair is. */
export function admit(env: Env, store: RoomStore, request: Request, now: number): Admission {
  const info = readRoomConnect(request);
  if (!info || request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
    return refused(errorResponse("bad_request", "Rooms only accept WebSocket connections through the API", 400));
  }
  if (info.userId !== info.userA && info.userId !== info.userB) {
    return refused(errorResponse("forbidden", "You are not part of this conversation", 403));
  }
  if (store.ended()) return refused(errorResponse("conversation_ended", "This conversation has ended", 410));
  if (!store.meta()) {
    store.setMeta({ conversationId: info.conversationId, userA: info.userA, userB: info.userB });
  }
  // Per user, in storage: reconnecting in a loop neither gets through nor floods the partner.
  const allowed = take(ROOM_CONNECT_RULE, connectBucket(store, info.userId, now), now);
  store.setMetaValue(connectsKey(info.userId), JSON.stringify(allowed.state));
  if (!allowed.ok) {
    const wait = Math.ceil(allowed.retryAfterMs / 1000);
    return refused(errorResponse("too_many_attempts", `Too many reconnects: try again in ${wait} s`, 429));
  }
  // What retention expired is gone before any history is sent.
  pruneExpired(env, store, now);
  return { ok: true, info };
}

function refused(response: Response): Admission {
  return { ok: false, response };
}

/** The user's stored reconnect budget; an unreadable one is logged and starts empty (this connect is refused). */
function connectBucket(store: RoomStore, userId: string, now: number): BucketState | undefined {
  const raw = store.metaValue(connectsKey(userId));
  if (!raw) return undefined;
  try {
    const { tokens, at, refusals } = JSON.parse(raw) as Record<string, unknown>;
    if (typeof tokens === "number" && typeof at === "number" && typeof refusals === "number") return { tokens, at, refusals };
  } catch {
    // logged below
  }
  logEvent("warn", "room.bad_connect_limit");
  return { tokens: 0, at: now, refusals: 0 };
}
