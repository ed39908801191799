import { bodyLimit } from "hono/body-limit";
import { adminApp } from "./http/admin-app";
import { chats } from "./http/chats";
import { newApp } from "./http/app";
import { blocks } from "./http/blocks";
import { conversations } from "./http/conversations";
import { notFound, onError } from "./http/errors";
import { login } from "./http/login";
import { media } from "./http/media";
import { push } from "./http/push";
import { subscriptions } from "./http/subscriptions";
import { lobby } from "./http/lobby";
import { me } from "./http/me";
import { reports } from "./http/reports";
import { rooms } from "./http/rooms";
import { topics } from "./http/topics";
import { web } from "./http/web";
import { AppError } from "./errors";
import { retentionDays, runRetention } from "./retention";
import { deleteOldImages } from "./media/store";
import { expireOverdueImages, type ImageOutcome } from "./media/outcome";
import { deleteOrphanImages, ORPHAN_CRON } from "./media/orphans";
import { tellRoomOfImage } from "./room/client";
import { deleteLapsedConsents } from "./db/subscriptions";
import type { Env } from "./env";

export { Lobby } from "./lobby/lobby";
export { LobbyHub } from "./lobby/hub";
export { Room } from "./room/room";
export { HistoryWriter } from "./history/writer";
export { PlatformToken } from "./platform/access-token";
export { RateLimiter } from "./limits/shared-limiter";

const app = newApp();

const smallBodies = bodyLimit({
  maxSize: 16 * 1024,
  onError: () => {
    throw new AppError("payload_too_large", "The request body is too large (16 KiB at most)", 413);
  },
});
// Picture uploads carry their own, larger limit (worker/http/media.ts).
app.use("/api/*", (c, next) => (c.req.method === "POST" && c.req.path === "/api/media" ? next() : smallBodies(c, next)));
app.route("/api/login", login);
app.route("/api/me", me);
app.route("/api/topics", topics);
app.route("/api/conversations", conversations);
app.route("/api/lobby", lobby);
app.route("/api/rooms", rooms);
app.route("/api/reports", reports);
app.route("/api/blocks", blocks);
app.route("/api/admin", adminApp);
app.route("/api/chats", chats);
app.route("/api/media", media);
app.route("/api/platform/push", push);
app.route("/api/subscriptions", subscriptions);
app.route("/", web);
app.onError(onError);
app.notFound(notFound);

export default {
  fetch: app.fetch,
  scheduled(controller, env, ctx) {
    // Every 10 minutes: uploads never sent in a message go. The rest is the daily retention run.
    ctx.waitUntil(deleteOrphanImages(env, controller.scheduledTime));
    if (controller.cron === ORPHAN_CRON) return;
    ctx.waitUntil(runRetention(env, controller.scheduledTime));
    ctx.waitUntil(expireOverdueImages(env, controller.scheduledTime).then((outcomes) => tellRooms(env, outcomes)));
    ctx.waitUntil(deleteOldImages(env, controller.scheduledTime - retentionDays(env) * 24 * 3600_000));
    ctx.waitUntil(deleteLapsedConsents(env.DB, controller.scheduledTime));
  },
} satisfies ExportedHandler<Env>;

export { app };

/** The cron settled these pictures: each room hears of its own, one after another. */
async function tellRooms(env: Env, outcomes: ImageOutcome[]): Promise<void> {
  for (const outcome of outcomes) await tellRoomOfImage(env, outcome);
}
