import { z } from "zod";
import { blockedPartnerIds } from "../db/blocks";
import { touchUser } from "../db/users";
import { AppError } from "../errors";
import { placementFor, joinRequest, shardStub } from "../lobby/shards";
import { isTopicId } from "../topics";
import { newApp } from "./app";
import { authenticate } from "./session";
import { validate } from "./validate";

const lobbyQuery = z.object({
  topic: z.string().optional(),
  token: z.string().optional(),
});

/** GET /api/lobby?topic= — the waiting-room socket. Authenticated before the upgrade is accepted. */
export const lobby = newApp().get("/", validate("query", lobbyQuery), async (c) => {
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    throw new AppError("bad_request", "This endpoint only accepts WebSocket upgrades", 426);
  }
  const user = await authenticate(c.env, c.req.raw, true);
  const topic = c.req.valid("query").topic || null;
  if (topic !== null && !isTopicId(topic)) {
    throw new AppError("bad_request", "Unknown topic; pick one from GET /api/topics or leave it out", 400);
  }
  c.executionCtx.waitUntil(touchUser(c.env.DB, user, Date.now()));
  // The veto list is read here, once per visit, so the shard never waits on D1 for it.
  const blocked = await blockedPartnerIds(c.env.DB, user.id);
  const placement = placementFor(c.env, user.id);
  return shardStub(c.env, placement.pool, placement.index).fetch(
    joinRequest({ userId: user.id, topic, blocked, placement }),
  );
});
