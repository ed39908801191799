// The wire contract as the mini program sees it. Types come from the worker's protocol.ts;
// the few constants are mirrored here because WeChat DevTools only compiles files inside the
// mini program folder. Each mirror is typed with the worker's literal type, so `tsc` fails
// the moment the two disagree.
import type {
  CLOSE as WorkerClose,
  LIMITS as WorkerLimits,
  PING_FRAME as WorkerPing,
  PONG_FRAME as WorkerPong,
  REPORT_REASON_MINOR as WorkerReasonMinor,
  textLength as WorkerTextLength,
} from "../../worker/protocol";

export type {
  CareHotline,
  AdultRequest,
  AdultResponse,
  BlockRequest,
  ChatsResponse,
  ChatSummary,
  KeepResponse,
  ConversationSummary,
  ConversationsResponse,
  MeResponse,
  SubscribeKind,
  SubscribeRequest,
  SubscribeResponse,
  SubscribeTemplatesResponse,
  ErrorCode,
  HistoryMessage,
  ImageUploadResponse,
  MessageImage,
  SocketError,
  LobbyClientFrame,
  LobbyServerFrame,
  LoginPlatform,
  LoginRequest,
  LoginResponse,
  Platform,
  ReportCategory,
  ReportRequest,
  RoomClientFrame,
  RoomServerFrame,
  Topic,
  TopicsResponse,
} from "../../worker/protocol";

export const TEXT_MAX: (typeof WorkerLimits)["textMax"] = 1000;
/** Message ids in one image_query frame. */
export const IMAGE_QUERY_MAX: (typeof WorkerLimits)["imageQueryMax"] = 20;
/** How long after sending a message may be recalled. */
export const RECALL_WINDOW_MS: (typeof WorkerLimits)["recallWindowMs"] = 120_000;
/** Bytes in one picture upload (compressed on the phone first). */
export const IMAGE_MAX_BYTES: (typeof WorkerLimits)["imageMaxBytes"] = 2_097_152;
export const PING_FRAME: typeof WorkerPing = '{"type":"ping"}';
export const PONG_FRAME: typeof WorkerPong = '{"type":"pong"}';
export const CLOSE_NORMAL: (typeof WorkerClose)["normal"] = 1000;
export const CLOSE_REPLACED: (typeof WorkerClose)["replaced"] = 4001;
/** The report reason for a partner who seems under 18; admins see these reports first. */
export const REPORT_REASON_MINOR: typeof WorkerReasonMinor = "疑似未成年";
export const CLOSE_ENDED: (typeof WorkerClose)["ended"] = 4002;

/** Length as the server counts it: Unicode code points (an emoji is 1, not 2). */
export const textLength: typeof WorkerTextLength = (text) => {
  let n = 0;
  for (const _ of text) n++;
  return n;
};
