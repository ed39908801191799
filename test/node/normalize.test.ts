import { Converter } from "opencc-js/t2cn";
import { describe, expect, it } from "vitest";
import { normalizeForFilter } from "../../worker/moderation/normalize";

// The filter skips OpenCC's walk when no character starts a table entry; it must still read every
// text exactly as OpenCC's own tw → cn converter would.
describe("normalizeForFilter: folding to simplified", () => {
  const opencc = Converter({ from: "tw", to: "cn" });
  const pieces = ["約", "炮", "約炮", "軟體", "滑鼠", "计程车", "計程車", "乾隆", "天乾物燥", "你好", "的", "微信", "a", "Q", "ｶ", "臺灣", "台湾", "髮", "發", "只", "隻"];

  it("matches OpenCC on traditional, simplified, mixed and Latin text", () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let i = 0; i < 3000; i++) {
      const length = 1 + (next() % 6);
      let text = "";
      for (let k = 0; k < length; k++) {
        // Mostly table words and their neighbours; sometimes any CJK character.
        text += next() % 4 === 0 ? String.fromCodePoint(0x4e00 + (next() % 0x5000)) : pieces[next() % pieces.length];
      }
      expect(normalizeForFilter(text), text).toBe(opencc(text.normalize("NFKC").toLowerCase()));
    }
  });

  it("reads traditional spellings as simplified and leaves Latin text alone", () => {
    expect(normalizeForFilter("約 炮")).toBe("约炮");
    expect(normalizeForFilter("Hello, World!")).toBe("helloworld");
  });
});
