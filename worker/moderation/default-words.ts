// Seeded into filter_words when the table is empty: a short list of what an anonymous chat
// between strangers attracts first (sex solicitation, gambling, drugs, fraud, weapons). Admins
// edit the real list through /api/admin/filter-words; the platform check catches the rest.
// Traditional spellings need no entry (the filter folds them to simplified); homophones and
// pinyin do: each word is followed by the stand-ins people type for it.
export const DEFAULT_FILTER_WORDS: readonly string[] = [
  ...["约炮", "约砲", "约泡", "约pao", "yuepao"],
  ...["裸聊", "果聊", "祼聊", "luoliao"],
  ...["援交", "yuanjiao"],
  "一夜情",
  ...["卖淫", "卖阴", "maiyin"],
  ...["嫖娼", "piaochang"],
  ...["色情视频", "色情视屏", "涩情视频"],
  ...["网络赌博", "网赌", "网路赌博"],
  "博彩网站",
  "六合彩",
  "冰毒",
  "海洛因",
  "大麻出售",
  "代开发票",
  "办假证",
  "刷单返利",
  "贷款秒批",
  ...["枪支出售", "抢支出售", "枪枝出售", "出售枪支"],
  "买卖枪支",
  "代考",
];
