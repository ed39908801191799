// The word filter against disguises (controls, private use, noncharacters, tags, look-alike
// letters, letters slipped between Chinese characters) and against ordinary chat: the false
// positive rate on generated everyday lines (test/fixtures/chat-lines.ts) stays under 0.5%.
import { describe, expect, it } from "vitest";
import { DEFAULT_FILTER_WORDS } from "../../worker/moderation/default-words";
import { isInvisible, normalizeForFilter } from "../../worker/moderation/normalize";
import { findFilterWord } from "../../worker/moderation/word-filter";
import { ordinaryChatLines } from "../fixtures/chat-lines";

const words = DEFAULT_FILTER_WORDS.map(normalizeForFilter);

/** Stated in docs/protocol.md and docs/privacy.md: at most this share of ordinary lines is refused. */
const MAX_FALSE_POSITIVE_RATE = 0.005;

describe("disguised filter words are caught", () => {
  it.each([
    ["a C0 control", "约\u0001炮"],
    ["NUL", "约\u0000炮"],
    ["DEL", "约\u007f炮"],
    ["a C1 control", "约\u0085炮"],
    ["private use", "约\ue000炮"],
    ["supplementary private use", "约\u{F0000}炮"],
    ["a noncharacter", "约\ufdd0炮"],
    ["a plane noncharacter", "约\u{1FFFE}炮"],
    ["tag characters", "约\u{E0041}\u{E0062}炮"],
    ["two Latin letters", "约ab炮"],
    ["a space and a digit", "约 1炮"],
    ["two digits", "裸12聊"],
    ["letters in a longer word", "色x情视q频"],
    ["Cyrillic look-alikes", "уuерао"],
    ["Greek look-alikes", "yuεραο"],
    ["capital Cyrillic and Greek", "YUЕРАΟ"],
    ["small capitals", "ʏᴜᴇᴘᴀᴏ"],
    ["mathematical letters", "𝐲𝐮𝐞𝐩𝐚𝐨"],
    ["fullwidth letters", "ｙｕｅｐａｏ"],
    ["a mix", "约\u0001a炮"],
  ])("%s: %s", (_name, text) => {
    expect(findFilterWord(words, text)).not.toBeNull();
  });

  it("three inserted letters are beyond the rule (ordinary mixed text stays readable)", () => {
    expect(findFilterWord(words, "约abc炮")).toBeNull();
  });
});

describe("messages empty once invisible and control characters are removed", () => {
  it.each([
    ["C0 controls", "\u0001\u0002\u0003"],
    ["DEL", "\u007f\u007f"],
    ["C1 controls", "\u0080\u009f"],
    ["private use", "\ue000\uf8ff\u{F0000}"],
    ["noncharacters", "\ufdd0\uffff"],
    ["tag characters", "\u{E0001}\u{E0041}"],
  ])("%s are invisible", (_name, text) => {
    expect(isInvisible(text)).toBe(true);
  });

  it("visible text with controls in it is not", () => {
    expect(isInvisible("\u0001你好")).toBe(false);
  });
});

describe("ordinary chat", () => {
  it(`4,000 generated everyday lines: fewer than ${MAX_FALSE_POSITIVE_RATE * 100}% refused`, () => {
    const lines = ordinaryChatLines(4000);
    expect(new Set(lines).size).toBeGreaterThan(2000); // varied enough to mean something
    const refused = lines.filter((line) => findFilterWord(words, line) !== null);
    expect(refused.length / lines.length, refused.slice(0, 10).join(" | ")).toBeLessThan(MAX_FALSE_POSITIVE_RATE);
  });
});
