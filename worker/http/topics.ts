import type { TopicsResponse } from "../protocol";
import { TOPICS } from "../topics";
import { newApp } from "./app";

// Public: the topic-preview page comes before login in the mini program's flow.
export const topics = newApp().get("/", (c) => {
  c.header("Cache-Control", "public, max-age=300");
  return c.json({ topics: [...TOPICS] } satisfies TopicsResponse);
});
