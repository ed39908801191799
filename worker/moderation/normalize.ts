// One spelling for matching: full-width and compatibility forms folded (NFKC), lower case, and
// spaces, punctuation, symbols and zero-width characters dropped, so "裸 聊", "裸-聊" and "裸​聊"
// all read as "裸聊". Filter words are stored in this form too.
export function normalizeForFilter(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\s\p{P}\p{S}\p{Cf}]/gu, "");
}
