// The editor's scene cards: slide image, title, script with its length and spoken duration,
// voice, hide/show, reorder (buttons, Alt+↑/↓), ▶ Ouvir and ▶ Prévia.
import { api, apiBlob } from "../api.js";
import { announce, h, showError, describe } from "../dom.js";
import { t } from "../i18n.js";
import { estimateSeconds, formatSeconds } from "../speech.js";
import { playAudio, showVideo } from "./preview.js";

const pending = new Map(); // scene card → its save in flight or waiting

/** Save every script still being typed (before navigating or re-rendering the view). */
export async function flushSaves() {
  await Promise.all([...pending.values()].map((save) => save()));
}

const SOURCES = ["notes", "slide_text", "text", "none", "edited", "writer:rules", "writer:openai", "writer:bedrock"];

function sourceWords(scene) {
  return SOURCES.includes(scene.script_source) ? t(`source.${scene.script_source}`) : "";
}

export function countWords(text) {
  return t("scene.count", { chars: text.length, duration: formatSeconds(estimateSeconds(text)) });
}

/**
 * Render `scenes` (in position order) into `list`. `editor` gives the project id, the voices,
 * the current render options (for the preview) and `reorder(index, delta)`.
 */
export function sceneCards(list, scenes, editor) {
  list.replaceChildren(...scenes.map((scene, position) => sceneCard(scene, position, scenes.length, editor)));
}

function sceneCard(scene, position, count, editor) {
  const id = `scene-${scene.index}`;
  const base = `/projects/${editor.projectId}/scenes/${scene.index}`;
  const title = scene.title || t("scene.slide", { number: scene.slide_number });
  const text = h("textarea", { id: `${id}-script`, rows: "5", "aria-describedby": `${id}-count`, maxlength: "20000" });
  text.value = scene.script;
  const counter = h("p", { id: `${id}-count`, class: "count", "aria-live": "off" }, countWords(scene.script));
  const saved = h("span", { class: "saved", role: "status" }, sourceWords(scene));
  let timer = null;
  let lastSaved = scene.script;
  const save = async () => {
    clearTimeout(timer);
    pending.delete(card);
    if (text.value === lastSaved) return;
    const value = text.value;
    try {
      await api(base, { method: "PATCH", json: { script: value } });
      lastSaved = value;
      saved.textContent = t("scene.saved");
    } catch (error) { showError(t("error.save", { message: describe(error) })); }
  };
  text.addEventListener("input", () => {
    counter.textContent = countWords(text.value);
    saved.textContent = "";
    clearTimeout(timer);
    pending.set(card, save);
    timer = setTimeout(save, 1200);
  });
  text.addEventListener("change", save);

  const voice = h("select", { id: `${id}-voice` },
    h("option", { value: "" }, t("scene.voice_default")),
    ...editor.voices.map((v) => h("option", { value: v.id, selected: v.id === scene.voice }, v.name)));
  voice.addEventListener("change", async () => {
    try {
      await api(base, { method: "PATCH", json: { voice: voice.value || null } });
      announce(t("scene.voice_saved"));
    } catch (error) { showError(describe(error)); }
  });

  const player = h("div", { class: "scene-player" });
  const busy = async (button, work) => {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try { await save(); await work(); } catch (error) {
      showError(error.code === "slides_not_ready" ? t("scene.not_ready") : t("error.preview", { message: describe(error) }));
    } finally { button.disabled = false; button.removeAttribute("aria-busy"); }
  };
  const hear = h("button", { type: "button", class: "hear", "aria-label": t("scene.hear_named", { title }) }, t("scene.hear"));
  hear.addEventListener("click", () => busy(hear, async () => {
    const blob = await apiBlob(`${base}/preview?audio=1`, { json: previewBody(editor, voice.value, true) });
    playAudio(player, blob, t("scene.hear_named", { title }));
  }));
  const preview = h("button", { type: "button", class: "preview", "aria-label": t("scene.preview_named", { title }) }, t("scene.preview"));
  preview.addEventListener("click", () => busy(preview, async () => {
    const blob = await apiBlob(`${base}/preview`, { json: previewBody(editor, voice.value, false) });
    showVideo(blob, t("scene.preview_title", { title }));
  }));
  const hide = h("button", { type: "button", class: "secondary toggle", "aria-pressed": String(Boolean(scene.hidden)) },
    scene.hidden ? t("scene.show") : t("scene.hide"));
  hide.addEventListener("click", async () => {
    try {
      const answer = await api(base, { method: "PATCH", json: { hidden: !scene.hidden } });
      scene.hidden = answer.hidden;
      card.classList.toggle("is-hidden", scene.hidden);
      hide.textContent = scene.hidden ? t("scene.show") : t("scene.hide");
      hide.setAttribute("aria-pressed", String(scene.hidden));
      badge.hidden = !scene.hidden;
      announce(scene.hidden ? t("scene.hidden_now", { title }) : t("scene.shown_now", { title }));
    } catch (error) { showError(describe(error)); }
  });
  const up = h("button", { type: "button", class: "secondary up", disabled: position === 0,
    "aria-label": t("scene.up_named", { title }) }, "↑");
  const down = h("button", { type: "button", class: "secondary down", disabled: position === count - 1,
    "aria-label": t("scene.down_named", { title }) }, "↓");
  up.addEventListener("click", () => editor.reorder(scene.index, -1, "up"));
  down.addEventListener("click", () => editor.reorder(scene.index, 1, "down"));

  const image = scene.image_url
    ? h("img", { src: scene.image_url, alt: t("scene.image_alt", { number: scene.slide_number, title }), class: "slide", loading: "lazy" })
    : h("div", { class: "slide placeholder" }, t("scene.no_image"));
  const badge = h("span", { class: "badge status-cancelled", hidden: !scene.hidden }, t("scene.hidden_badge"));
  const card = h("li", { class: `scene${scene.hidden ? " is-hidden" : ""}`, id, dataset: { index: scene.index },
    "aria-labelledby": `${id}-title` },
  h("figure", { class: "slide-box" }, image),
  h("div", { class: "scene-body" },
    h("h3", { id: `${id}-title` }, t("scene.heading", { number: position + 1 }), " · ", title, " ", badge),
    h("label", { for: `${id}-script` }, t("scene.script")),
    text,
    h("div", { class: "row between" }, counter, saved),
    h("div", { class: "row" }, h("label", { for: `${id}-voice` }, t("scene.voice")), voice),
    h("div", { class: "row actions" }, hear, preview, hide, up, down),
    player));
  card.addEventListener("keydown", (event) => {
    if (!event.altKey || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
    event.preventDefault();
    editor.reorder(scene.index, event.key === "ArrowUp" ? -1 : 1, event.key === "ArrowUp" ? "up" : "down");
  });
  return card;
}

function previewBody(editor, voice, audioOnly) {
  const options = editor.options();
  const body = {};
  if (voice || options.voice) body.voice = voice || options.voice;
  if (!audioOnly) {
    if (options.avatar) { body.avatar = options.avatar; body.avatar_layout = options.avatar_layout; }
    body.subtitles = options.subtitles === "none" ? "none" : "burn";
  }
  return body;
}
