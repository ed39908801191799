import type { Topic } from "./protocol";

/** The curated conversation starters shown on the topic-preview page. */
export const TOPICS: readonly Topic[] = [
  { id: "daily", title: "今天过得怎么样", prompt: "说说今天最让你印象深刻的一件小事。" },
  { id: "music", title: "最近在听的歌", prompt: "分享一首最近单曲循环的歌，它让你想起了什么？" },
  { id: "movies", title: "电影与剧集", prompt: "最近看过最好看的一部电影或剧是什么？" },
  { id: "travel", title: "想去的地方", prompt: "如果明天就能出发，你最想去哪里？为什么？" },
  { id: "food", title: "美食与家乡味", prompt: "你家乡有什么外地人一定要尝尝的味道？" },
  { id: "study-work", title: "学习与工作", prompt: "最近在忙什么？有什么烦恼或者小成就吗？" },
  { id: "books", title: "书与故事", prompt: "有没有一本书改变过你的想法？" },
  { id: "pets", title: "猫猫狗狗", prompt: "你养过或者最想养什么小动物？" },
  { id: "late-night", title: "深夜树洞", prompt: "有什么话想对一个陌生人说？这里没有人认识你。" },
  { id: "games", title: "游戏时间", prompt: "最近在玩什么游戏？最难忘的一局是怎样的？" },
];

export function isTopicId(id: string): boolean {
  return TOPICS.some((t) => t.id === id);
}
