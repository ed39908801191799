import { bodyLimit } from "hono/body-limit";
import { admin } from "./http/admin";
import { adminSafety } from "./http/admin-safety";
import { newApp } from "./http/app";
import { blocks } from "./http/blocks";
import { conversations } from "./http/conversations";
import { notFound, onError } from "./http/errors";
import { login } from "./http/login";
import { lobby } from "./http/lobby";
import { me } from "./http/me";
import { reports } from "./http/reports";
import { rooms } from "./http/rooms";
import { topics } from "./http/topics";
import { AppError } from "./errors";
import { runRetention } from "./retention";
import type { Env } from "./env";

export { Lobby } from "./lobby/lobby";
export { LobbyHub } from "./lobby/hub";
export { Room } from "./room/room";
export { HistoryWriter } from "./room/history-writer";
export { PlatformToken } from "./platform/access-token";
export { RateLimiter } from "./limits/shared-limiter";

const app = newApp();

app.use(
  "/api/*",
  bodyLimit({
    maxSize: 16 * 1024,
    onError: () => {
      throw new AppError("payload_too_large", "The request body is too large (16 KiB at most)", 413);
    },
  }),
);
app.route("/api/login", login);
app.route("/api/me", me);
app.route("/api/topics", topics);
app.route("/api/conversations", conversations);
app.route("/api/lobby", lobby);
app.route("/api/rooms", rooms);
app.route("/api/reports", reports);
app.route("/api/blocks", blocks);
app.route("/api/admin", adminSafety);
app.route("/api/admin", admin);
app.get("/", (c) => c.json({ name: "onechat", ok: true }));
app.onError(onError);
app.notFound(notFound);

export default {
  fetch: app.fetch,
  scheduled(controller, env, ctx) {
    ctx.waitUntil(runRetention(env, controller.scheduledTime));
  },
} satisfies ExportedHandler<Env>;

export { app };
