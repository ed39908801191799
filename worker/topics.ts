// The topic catalogue: what the topic-preview page lists and the opening prompts a match shows.
// Stored in D1 and edited in the console; until an admin saves one, the defaults below are used.
import { loadTopicRows } from "./db/topics";
import type { AdminTopic, Topic } from "./protocol";

/** The id of the prompts used when a pair shares no topic (随便聊聊 or a fallback); never listed. */
export const GENERAL_TOPIC = "general";

export const DEFAULT_TOPICS: readonly AdminTopic[] = [
  ["daily", "今天过得怎么样", ["说说今天最让你印象深刻的一件小事。", "今天有什么让你开心或者烦心的事吗？", "如果给今天打个分，你打几分？"]],
  ["music", "最近在听的歌", ["分享一首最近单曲循环的歌，它让你想起了什么？", "你第一次被一首歌打动是什么时候？", "有没有一首歌一听就会想起某个人？"]],
  ["movies", "电影与剧集", ["最近看过最好看的一部电影或剧是什么？", "有没有一部片子你愿意看第二遍？", "你最想活在哪部电影的世界里？"]],
  ["travel", "想去的地方", ["如果明天就能出发，你最想去哪里？为什么？", "去过的地方里，哪里最想再去一次？", "旅行时你更喜欢计划好还是说走就走？"]],
  ["food", "美食与家乡味", ["你家乡有什么外地人一定要尝尝的味道？", "最近吃到最好吃的一顿是什么？", "你会做的拿手菜是什么？"]],
  ["study-work", "学习与工作", ["最近在忙什么？有什么烦恼或者小成就吗？", "你理想中的一天工作是什么样的？", "最近学到了什么新东西？"]],
  ["books", "书与故事", ["有没有一本书改变过你的想法？", "最近在读什么？", "你会推荐给陌生人的一本书是？"]],
  ["pets", "猫猫狗狗", ["你养过或者最想养什么小动物？", "说说你见过最聪明的小动物。", "猫派还是狗派？为什么？"]],
  ["late-night", "深夜树洞", ["有什么话想对一个陌生人说？这里没有人认识你。", "最近有什么事一直放在心里？", "这么晚了，是什么让你还醒着？"]],
  ["games", "游戏时间", ["最近在玩什么游戏？最难忘的一局是怎样的？", "小时候最爱玩的游戏是什么？", "你更喜欢一个人玩还是和朋友一起？"]],
  [GENERAL_TOPIC, "随便聊聊", ["先打个招呼吧：你好呀，今天过得怎么样？", "聊聊此刻你在做什么？", "用三个词介绍一下现在的你？"]],
].map(([id, title, prompts], position) => ({
  id: id as string,
  title: title as string,
  prompts: prompts as string[],
  position,
  listed: id !== GENERAL_TOPIC,
}));

/** How long one isolate trusts its copy of the catalogue (admin edits show within this). */
const CACHE_MS = 30_000;
let cached: { at: number; topics: AdminTopic[] } | null = null;

/** Every topic (listed or not), from D1, or the defaults while D1 has none. */
export async function allTopics(d1: D1Database, now = Date.now()): Promise<AdminTopic[]> {
  if (cached && now - cached.at < CACHE_MS) return cached.topics;
  const rows = await loadTopicRows(d1);
  const topics = rows.length > 0 ? rows : DEFAULT_TOPICS.map((t) => ({ ...t, prompts: [...t.prompts] }));
  cached = { at: now, topics };
  return topics;
}

/** An admin edit: the next read in this isolate sees it at once (others within CACHE_MS). */
export function forgetTopics(): void {
  cached = null;
}

/** The topics the preview page lists, in order. */
export function listedTopics(topics: readonly AdminTopic[]): Topic[] {
  return topics
    .filter((t) => t.listed && t.prompts.length > 0)
    .map(({ id, title, prompts }) => ({ id, title, prompt: prompts[0], prompts: [...prompts] }));
}

export function isListedTopic(topics: readonly AdminTopic[], id: string): boolean {
  return topics.some((t) => t.id === id && t.listed);
}

/** The opening line for a pair: one of their shared topic's prompts, or a general one. */
export function promptFor(topics: readonly AdminTopic[], topic: string | null, random: () => number): string {
  const own = topic === null ? undefined : topics.find((t) => t.id === topic && t.prompts.length > 0);
  const general = topics.find((t) => t.id === GENERAL_TOPIC && t.prompts.length > 0);
  const prompts = own?.prompts ?? general?.prompts ?? DEFAULT_TOPICS.find((t) => t.id === GENERAL_TOPIC)!.prompts;
  return prompts[Math.min(prompts.length - 1, Math.floor(random() * prompts.length))];
}
