import { z } from "zod";
import { audit } from "../db/admin";
import { deleteTopic, saveTopic } from "../db/topics";
import { AppError } from "../errors";
import { LIMITS, textLength, type AdminTopicsResponse } from "../protocol";
import { allTopics, DEFAULT_TOPICS, forgetTopics, GENERAL_TOPIC } from "../topics";
import { newApp } from "./app";
import { validate } from "./validate";

const promptText = z
  .string()
  .trim()
  .refine((p) => textLength(p) >= 1 && textLength(p) <= LIMITS.topicPromptMax, `1..${LIMITS.topicPromptMax} characters`);
const topicBody = z.object({
  title: z.string().trim().min(1).max(40),
  prompts: z.array(promptText).min(1).max(LIMITS.topicPromptsMax),
  position: z.number().int().min(0).max(10_000).optional(),
  listed: z.boolean().optional(),
});
const topicId = z.string().regex(/^[a-z0-9-]{1,32}$/, "an id of 1..32 lower-case letters, digits and -");

// Admin: the topics and their opening prompts (stored in D1; the defaults until the first edit).
// Mounted by the admin app (admin-app.ts) at /api/admin, behind its requireAdmin.
export const adminTopics = newApp()
  .get("/topics", async (c) => {
    forgetTopics();
    const topics = await allTopics(c.env.DB);
    return c.json({ topics } satisfies AdminTopicsResponse);
  })
  .put("/topics/:id", validate("json", topicBody), async (c) => {
    const id = topicId.safeParse(c.req.param("id"));
    if (!id.success) throw new AppError("bad_request", "id: " + id.error.issues[0].message, 400);
    const body = c.req.valid("json");
    const current = (await allTopics(c.env.DB)).find((t) => t.id === id.data);
    await saveTopic(
      c.env.DB,
      {
        id: id.data,
        title: body.title,
        prompts: body.prompts,
        position: body.position ?? current?.position ?? 1000,
        listed: id.data === GENERAL_TOPIC ? false : (body.listed ?? true),
      },
      DEFAULT_TOPICS,
    );
    forgetTopics();
    await audit(c.env.DB, "save_topic", id.data, body.prompts.length);
    return c.json({ topics: await allTopics(c.env.DB) } satisfies AdminTopicsResponse);
  })
  .delete("/topics/:id", async (c) => {
    const id = c.req.param("id");
    if (id === GENERAL_TOPIC) throw new AppError("bad_request", "The general prompts cannot be deleted; edit them", 400);
    if (!(await deleteTopic(c.env.DB, id, DEFAULT_TOPICS))) throw new AppError("not_found", "No such topic", 404);
    forgetTopics();
    await audit(c.env.DB, "delete_topic", id, 1);
    return c.json({ topics: await allTopics(c.env.DB) } satisfies AdminTopicsResponse);
  });
