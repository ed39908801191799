import { AppError } from "../errors";
import { placementFor, joinRequest, shardStub } from "../lobby/shards";
import { allTopics, isListedTopic } from "../topics";
import { newApp } from "./app";
import { sessionUserId } from "./session";

/**
 * GET /api/lobby?topic= — the waiting-room socket. Authenticated before the upgrade is accepted.
 * The one query field is checked by hand: every joiner passes here, and a schema parse cost more
 * than the rest of the route (bench:profile, matching) for the same answer.
 */
export const lobby = newApp().get("/", async (c) => {
  const topics = c.req.queries("topic") ?? [];
  if (topics.length > 1) throw new AppError("bad_request", "Invalid topic: give at most one", 400);
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    throw new AppError("bad_request", "This endpoint only accepts WebSocket upgrades", 426);
  }
  const userId = await sessionUserId(c.env, c.req.raw, true);
  const topic = topics[0] || null;
  if (topic !== null && !isListedTopic(await allTopics(c.env.DB), topic)) {
    throw new AppError("bad_request", "Unknown topic; pick one from GET /api/topics or leave it out", 400);
  }
  // D1 only for the topic list (cached per isolate); the shard reads the ban state and the veto list for all its joiners in one batch.
  const placement = placementFor(c.env, userId);
  return shardStub(c.env, placement.pool, placement.index).fetch(joinRequest({ userId, topic, blocked: null, placement }));
});
