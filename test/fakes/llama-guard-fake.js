// A stand-in for Llama Guard 3 (@cf/meta/llama-guard-3-8b) that answers in its documented output
// format, for tests and `npm run eval:moderation` without an account. It is NOT a classifier: it
// looks for a few keywords per hazard code, so what it measures is our plumbing (parsing, mapping,
// ordering), never the real model's accuracy. Plain JavaScript: workerd (the fake AI worker) and
// Node (the eval) both load it as is.
//
// Markers in the text choose a failure: "[slow]" never answers in time, "[error]" throws,
// "[malformed]" answers out of format, "[text]" answers in the plain-text form ("unsafe\nS11").

/** @type {Record<string, string[]>} hazard code → keywords */
export const FAKE_LEXICON = {
  S4: ["初中生", "小学生", "未成年", "萝莉", "幼女", "十三岁", "十四岁", "13岁", "14岁"],
  S12: ["约炮", "裸照", "裸聊", "黄片", "开房", "色情", "做爱", "胸照", "看下面"],
  S1: ["砍死", "弄死你", "杀了你", "捅死", "打死你", "炸了你", "杀人"],
  S11: ["不想活", "自杀", "割腕", "跳楼", "想死", "结束生命", "轻生", "安眠药", "活够了"],
  S2: ["转账", "刷单", "验证码", "银行卡", "稳赚", "博彩", "日结兼职", "返利", "保证金"],
  S10: ["低等民族", "劣等人", "蝗虫", "滚出我们城市"],
  S7: ["身份证号", "家庭住址", "人肉"],
};

/** The hazard codes the fake finds in `text`, in S-number order. */
export function fakeHazards(text) {
  const found = Object.entries(FAKE_LEXICON)
    .filter(([, words]) => words.some((w) => text.includes(w)))
    .map(([code]) => code);
  return found.sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
}

/** What env.AI.run("@cf/meta/llama-guard-3-8b", inputs) would answer, or a failure on a marker. */
export async function fakeGuardRun(model, inputs) {
  if (model !== "@cf/meta/llama-guard-3-8b") throw new Error(`fake AI: unknown model ${model}`);
  const messages = Array.isArray(inputs?.messages) ? inputs.messages : [];
  const text = messages.map((m) => String(m.content)).join("\n");
  if (text.includes("[slow]")) await new Promise((resolve) => setTimeout(resolve, 60_000));
  if (text.includes("[error]")) throw new Error("fake AI: 3040 capacity exceeded");
  if (text.includes("[malformed]")) return { response: { safe: "perhaps", categories: "S1" } };
  const hazards = fakeHazards(text);
  if (text.includes("[text]")) return { response: hazards.length ? `unsafe\n${hazards.join(",")}` : "safe" };
  const json = inputs?.response_format?.type === "json_object";
  const safe = hazards.length === 0;
  return {
    response: json ? { safe, categories: hazards } : safe ? "safe" : `unsafe\n${hazards.join(",")}`,
    usage: { prompt_tokens: text.length, completion_tokens: 5, total_tokens: text.length + 5 },
  };
}
