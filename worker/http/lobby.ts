import { z } from "zod";
import { blockedPartnersQuery } from "../db/blocks";
import { db } from "../db/client";
import { touchUser, userQuery } from "../db/users";
import { AppError } from "../errors";
import { placementFor, joinRequest, shardStub } from "../lobby/shards";
import { isTopicId } from "../topics";
import { newApp } from "./app";
import { requireMatchable } from "./matching-gate";
import { activeUser, sessionUserId } from "./session";
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
  const userId = await sessionUserId(c.env, c.req.raw, true);
  const topic = c.req.valid("query").topic || null;
  if (topic !== null && !isTopicId(topic)) {
    throw new AppError("bad_request", "Unknown topic; pick one from GET /api/topics or leave it out", 400);
  }
  // The user (ban check) and the veto list in one D1 round trip, once per visit, so the shard
  // never waits on D1 for them.
  const orm = db(c.env.DB);
  const [[row], blockedRows] = await orm.batch([userQuery(c.env.DB, userId), blockedPartnersQuery(c.env.DB, userId)]);
  const user = activeUser(row);
  requireMatchable(user);
  const blocked = blockedRows.map((r) => r.id);
  c.executionCtx.waitUntil(touchUser(c.env.DB, user, Date.now()));
  const placement = placementFor(c.env, user.id);
  return shardStub(c.env, placement.pool, placement.index).fetch(
    joinRequest({ userId: user.id, topic, blocked, placement }),
  );
});
