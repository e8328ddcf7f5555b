// Spoken-duration estimate of a script, the same formula as the API's `duration_estimate_s`
// (estudio.services.scenes): 0.35 s a word, 0.9 s at each sentence end or line break, plus the
// pauses the author wrote. Pure: no DOM.

export const SECONDS_PER_WORD = 0.35;
export const SENTENCE_END_S = 0.9;
export const PAUSE_S = 0.7; // "[pausa]" / "[pause]" (estudio.speech.pauses)
export const PARAGRAPH_PAUSE_S = 0.4; // a blank line between paragraphs
export const MAX_PAUSE_S = 10;

const PAUSE_MARKUP =
  /\[\s*(?:pausa|pause)(?:\s+(\d+(?:[.,]\d+)?)\s*(ms|s|seg(?:undos?)?|sec(?:onds?)?|segundos?)?)?\s*\]/gi;
const BLANK_LINE = /\n[^\S\n]*\n/g;
const WORD = /[\p{L}\p{N}\p{M}_]+/gu;
const SENTENCE_END = /[.!?;:]+(?=\s|$)\s*|\n\s*/g;

/** `x` to one decimal as Python's round(x, 1) does: the double's exact value, ties to even. */
export function roundTenth(x) {
  const [whole, fraction] = Math.abs(x).toFixed(60).split(".");
  let tenths = BigInt(whole + fraction[0]);
  const rest = fraction.slice(1).replace(/0+$/, "");
  if (rest[0] > "5" || (rest[0] === "5" && (rest.length > 1 || tenths % 2n === 1n))) tenths += 1n;
  return (x < 0 ? -1 : 1) * (Number(tenths) / 10);
}

/** Seconds of silence one pause markup asks for. */
export function pauseSeconds(amount, unit) {
  if (amount === undefined || amount === null) return PAUSE_S;
  let value = Number(String(amount).replace(",", "."));
  if ((unit || "s").toLowerCase() === "ms") value /= 1000;
  return Math.max(0, Math.min(value, MAX_PAUSE_S));
}

/** Words of `text` once pause markup is removed. */
export function countWords(text) {
  return (String(text || "").replace(PAUSE_MARKUP, " ").match(WORD) || []).length;
}

/** Estimated seconds `text` takes to say (0 for an empty script), to one decimal. */
export function estimateSeconds(text) {
  const script = String(text || "");
  if (!script.trim()) return 0;
  let pauses = 0;
  for (const match of script.matchAll(PAUSE_MARKUP)) pauses += pauseSeconds(match[1], match[2]);
  pauses += PARAGRAPH_PAUSE_S * (script.trim().match(BLANK_LINE) || []).length;
  const spoken = script.replace(PAUSE_MARKUP, " ").trim();
  const words = (spoken.match(WORD) || []).length;
  const ends = (spoken.match(SENTENCE_END) || []).length;
  return roundTenth(words * SECONDS_PER_WORD + ends * SENTENCE_END_S + pauses);
}

/** "8 s", "1 min 05 s". */
export function formatSeconds(seconds) {
  const total = Math.round(seconds);
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  return `${minutes} min ${String(total % 60).padStart(2, "0")} s`;
}
