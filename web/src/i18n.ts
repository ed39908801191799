// Chinese or English labels, following the browser's language (Chinese when it comes first).
export type Lang = "zh" | "en";

export function browserLang(): Lang {
  const langs = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const l of langs) {
    if (/^zh\b/i.test(l)) return "zh";
    if (/^en\b/i.test(l)) return "en";
  }
  return "zh";
}

/** A translator over one dictionary: `{name}` placeholders are filled from `vars`. */
export function translator<K extends string>(dict: Record<Lang, Record<K, string>>, lang: Lang) {
  return (key: K, vars: Record<string, string | number> = {}): string =>
    dict[lang][key].replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ""));
}

/** Fills every element with data-i18n="key" (static labels in the HTML). */
export function applyLabels(t: (key: never) => string, root: ParentNode = document): void {
  for (const el of root.querySelectorAll<HTMLElement>("[data-i18n]")) el.textContent = t(el.dataset.i18n as never);
  for (const el of root.querySelectorAll<HTMLElement>("[data-i18n-placeholder]")) {
    el.setAttribute("placeholder", t(el.dataset.i18nPlaceholder as never));
  }
  for (const el of root.querySelectorAll<HTMLElement>("[data-i18n-label]")) el.setAttribute("aria-label", t(el.dataset.i18nLabel as never));
}

export function formatTime(at: number | null, lang: Lang): string {
  if (at === null) return "—";
  return new Date(at).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB", { hour12: false });
}
