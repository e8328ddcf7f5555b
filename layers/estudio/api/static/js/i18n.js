// Strings live in one module per language (lang/pt-BR.js, lang/en.js); Portuguese is the default.
import ptBR from "./lang/pt-BR.js";
import en from "./lang/en.js";

export const LANGUAGES = { "pt-BR": ptBR, en };
const STORAGE = "estudio-lang";
let current = "pt-BR";

export function chooseLanguage(stored) {
  if (stored && LANGUAGES[stored]) return stored;
  return "pt-BR"; // the studio speaks Portuguese unless asked otherwise
}

export function language() {
  return current;
}

export function setLanguage(lang) {
  current = LANGUAGES[lang] ? lang : "pt-BR";
  try { localStorage.setItem(STORAGE, current); } catch { /* private mode */ }
  document.documentElement.lang = current;
}

export function initLanguage() {
  let stored = null;
  try { stored = localStorage.getItem(STORAGE); } catch { /* private mode */ }
  setLanguage(chooseLanguage(stored));
}

export function has(key) {
  return key in LANGUAGES[current] || key in ptBR;
}

/** The string `key` in the current language, `{name}` placeholders filled from `params`. */
export function t(key, params = {}) {
  const table = LANGUAGES[current];
  let text = table[key] ?? ptBR[key] ?? key;
  for (const [name, value] of Object.entries(params)) text = text.replaceAll(`{${name}}`, String(value));
  return text;
}

/** Dates and numbers as the current language writes them. */
export function formatDate(epochSeconds) {
  return new Intl.DateTimeFormat(current, { dateStyle: "short", timeStyle: "short" }).format(
    new Date(epochSeconds * 1000),
  );
}
