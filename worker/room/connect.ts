// What the worker tells a room about a socket it has already authenticated. The room is reachable
// only through the worker, so this header cannot come from a client.

const HEADER = "X-Onechat-Room-Connect";

export interface RoomConnect {
  userId: string;
  platform: "wechat" | "qq" | "dev";
  conversationId: string;
  userA: string;
  userB: string;
  /** Resume point: deliver every message with a larger seq. Null for a fresh meeting. */
  after: number | null;
  /** The connecting user deleted the conversation up to this seq; their history starts after it. */
  hiddenUpTo?: number;
  /** Kept only in the socket's attachment, for the platform content check; never stored. */
  openid: string | null;
  /** The worker's public origin, for signed picture links. */
  origin?: string;
}

export function roomConnectRequest(url: string, info: RoomConnect): Request {
  return new Request(url, { headers: { Upgrade: "websocket", [HEADER]: JSON.stringify(info) } });
}

export function readRoomConnect(request: Request): RoomConnect | null {
  const raw = request.headers.get(HEADER);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as RoomConnect;
  } catch {
    return null;
  }
}
