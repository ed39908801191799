import { fnv1a } from "./lib/fnv";

// Anonymous names: stable for one person within one conversation, unrelated across conversations,
// and derived from ids alone so nothing about them is stored.

const ADJECTIVES = [
  "安静的", "勇敢的", "好奇的", "温柔的", "快乐的", "害羞的", "聪明的", "慵懒的",
  "机灵的", "淡定的", "热情的", "神秘的", "认真的", "可爱的", "自由的", "浪漫的",
  "迷糊的", "坚强的", "乐观的", "沉思的", "调皮的", "优雅的", "爽朗的", "细心的",
];
const ANIMALS = [
  "熊猫", "海豚", "狐狸", "猫头鹰", "松鼠", "企鹅", "小鹿", "刺猬",
  "考拉", "水獭", "鲸鱼", "兔子", "柴犬", "橘猫", "仓鼠", "海龟",
  "小浣熊", "羊驼", "孔雀", "蜂鸟", "树懒", "北极熊", "小狮子", "鹦鹉",
];

export function aliasFor(conversationId: string, userId: string): string {
  const h = fnv1a(`${conversationId}/${userId}`);
  return ADJECTIVES[h % ADJECTIVES.length] + ANIMALS[Math.floor(h / ADJECTIVES.length) % ANIMALS.length];
}
