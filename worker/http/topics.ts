import type { TopicsResponse } from "../protocol";
import { allTopics, listedTopics } from "../topics";
import { newApp } from "./app";

// Public: the topic-preview page comes before login in the mini program's flow.
export const topics = newApp().get("/", async (c) => {
  c.header("Cache-Control", "public, max-age=60");
  return c.json({ topics: listedTopics(await allTopics(c.env.DB)) } satisfies TopicsResponse);
});
