// Spoken-duration estimate of a script, as the API's `duration_estimate_s` computes it:
// words at the default speaking rate plus the pauses the author wrote. Pure: no DOM.

export const WORDS_PER_MINUTE = 165; // espeak-ng's default rate (estudio.speech.espeak)
export const PAUSE_S = 0.7; // "[pausa]" / "[pause]" (estudio.speech.pauses)
export const PARAGRAPH_PAUSE_S = 0.4; // a blank line between paragraphs
export const MAX_PAUSE_S = 10;

const PAUSE_MARKUP =
  /\[\s*(?:pausa|pause)(?:\s+(\d+(?:[.,]\d+)?)\s*(ms|s|seg(?:undos?)?|sec(?:onds?)?|segundos?)?)?\s*\]/gi;
const BLANK_LINE = /\n[^\S\n]*\n/g;

/** Seconds of silence one pause markup asks for. */
export function pauseSeconds(amount, unit) {
  if (amount === undefined || amount === null) return PAUSE_S;
  let value = Number(String(amount).replace(",", "."));
  if ((unit || "s").toLowerCase() === "ms") value /= 1000;
  return Math.max(0, Math.min(value, MAX_PAUSE_S));
}

/** Words of `text` once pause markup is removed. */
export function countWords(text) {
  const spoken = text.replace(PAUSE_MARKUP, " ");
  const words = spoken.match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu);
  return words ? words.length : 0;
}

/** Estimated seconds `text` takes to say (0 for an empty script), to one decimal. */
export function estimateSeconds(text) {
  const script = String(text || "");
  let pauses = 0;
  for (const match of script.matchAll(PAUSE_MARKUP)) pauses += pauseSeconds(match[1], match[2]);
  const paragraphs = script.trim().match(BLANK_LINE);
  if (paragraphs) pauses += paragraphs.length * PARAGRAPH_PAUSE_S;
  const words = countWords(script);
  if (words === 0) return 0;
  return Math.round(((words * 60) / WORDS_PER_MINUTE + pauses) * 10) / 10;
}

/** "8 s", "1 min 05 s". */
export function formatSeconds(seconds) {
  const total = Math.round(seconds);
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  return `${minutes} min ${String(total % 60).padStart(2, "0")} s`;
}
