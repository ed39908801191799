// What the worker tells a room about a socket it has already authenticated. The room is reachable
// only through the worker, so this header cannot come from a client; it is still parsed, not cast.
import { z } from "zod";

const HEADER = "X-Onechat-Room-Connect";

const id = z.string().min(1);
const seq = z.number().int().nonnegative();

const roomConnectSchema = z.object({
  userId: id,
  platform: z.enum(["wechat", "qq", "dev"]),
  conversationId: id,
  userA: id,
  userB: id,
  /** Resume point: deliver every message with a larger seq. Null for a fresh meeting. */
  after: seq.nullable(),
  /** The connecting user deleted the conversation up to this seq; their history starts after it. */
  hiddenUpTo: seq.optional(),
  /** Kept only in the socket's attachment, for the platform content check; never stored. */
  openid: z.string().nullable(),
  /** The worker's public origin, for signed picture links. */
  origin: z.string().optional(),
});

export type RoomConnect = z.infer<typeof roomConnectSchema>;

export function roomConnectRequest(url: string, info: RoomConnect): Request {
  return new Request(url, { headers: { Upgrade: "websocket", [HEADER]: JSON.stringify(info) } });
}

/** The header's value, or null when it is missing, not JSON or not of the expected shape. */
export function readRoomConnect(request: Request): RoomConnect | null {
  const raw = request.headers.get(HEADER);
  if (!raw) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = roomConnectSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}
