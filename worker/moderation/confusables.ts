// Letters that look like Latin ones, folded to the Latin letter before matching, so "уuераo"
// (Cyrillic у, е, р, а) or "ʏᴜᴇᴘᴀᴏ" (small capitals) reads as "yuepao". NFKC already folds
// fullwidth and mathematical alphanumerics (𝐲𝐮𝐞 → yue); these have no compatibility mapping.
// Upper and lower case are both listed: Greek Η looks like H, its lower case η like n.

const PAIRS: Record<string, string> = {
  // Cyrillic
  А: "a", а: "a", В: "b", в: "b", Ь: "b", ь: "b", С: "c", с: "c", Ԁ: "d", ԁ: "d", Е: "e", е: "e", Ё: "e", ё: "e",
  Н: "h", н: "h", Һ: "h", һ: "h", І: "i", і: "i", Ї: "i", ї: "i", Ј: "j", ј: "j", К: "k", к: "k", М: "m", м: "m",
  п: "n", О: "o", о: "o", Р: "p", р: "p", Ԛ: "q", ԛ: "q", г: "r", Ѕ: "s", ѕ: "s", Т: "t", т: "t", и: "u",
  Ԝ: "w", ԝ: "w", ш: "w", Х: "x", х: "x", У: "y", у: "y", Ү: "y", ү: "y",
  // Greek
  Α: "a", α: "a", Β: "b", β: "b", Ε: "e", ε: "e", Η: "h", η: "n", Ι: "i", ι: "i", Κ: "k", κ: "k", Μ: "m",
  μ: "u", Ν: "n", ν: "v", Ο: "o", ο: "o", Ρ: "p", ρ: "p", Τ: "t", τ: "t", Υ: "y", υ: "u", Χ: "x", χ: "x",
  ω: "w", Ζ: "z", γ: "y",
  // Small capitals and other Latin look-alikes
  ᴀ: "a", ɑ: "a", ʙ: "b", ᴄ: "c", ᴅ: "d", ᴇ: "e", ꜰ: "f", ɢ: "g", ɡ: "g", ʜ: "h", ɪ: "i", ı: "i", ɩ: "i",
  ᴊ: "j", ȷ: "j", ᴋ: "k", ʟ: "l", ᴍ: "m", ɴ: "n", ᴏ: "o", ᴘ: "p", ǫ: "q", ʀ: "r", ꜱ: "s", ᴛ: "t", ᴜ: "u",
  ᴠ: "v", ᴡ: "w", ʏ: "y", ᴢ: "z",
};

const MAP = new Map(Object.entries(PAIRS));
const ANY = new RegExp(`[${Object.keys(PAIRS).join("")}]`, "gu");

/** `text` with every listed look-alike replaced by its Latin letter (after NFKC, before lower-casing). */
export function foldConfusables(text: string): string {
  return text.replace(ANY, (ch) => MAP.get(ch) ?? ch);
}
