// Seeded into filter_words when the table is empty: a short list of what an anonymous chat
// between strangers attracts first (sex solicitation, gambling, drugs, fraud, weapons). Admins
// edit the real list through /api/admin/filter-words; the platform check catches the rest.
export const DEFAULT_FILTER_WORDS: readonly string[] = [
  "约炮",
  "裸聊",
  "援交",
  "一夜情",
  "卖淫",
  "嫖娼",
  "色情视频",
  "网络赌博",
  "博彩网站",
  "六合彩",
  "冰毒",
  "海洛因",
  "大麻出售",
  "代开发票",
  "办假证",
  "刷单返利",
  "贷款秒批",
  "枪支出售",
  "买卖枪支",
  "代考",
];
