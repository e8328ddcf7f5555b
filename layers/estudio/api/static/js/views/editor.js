// One project: upload (progress, drag and drop), the scene cards, the project's glossary,
// render options and the renders.
import { api, uploadDeck } from "../api.js";
import { announce, h, showError, describe } from "../dom.js";
import { t } from "../i18n.js";
import { glossaryEditor } from "./glossary.js";
import { renderOptions } from "./options.js";
import { RendersPanel } from "./renders.js";
import { flushSaves, sceneCards } from "./scenes.js";
import { dropZone } from "./upload.js";

export async function editorView(main, context, hash) {
  const projectId = decodeURIComponent(hash.slice("#/projects/".length));
  let project = await api(`/projects/${projectId}`);
  const [voices, avatars] = await Promise.all([
    api(`/voices${project.deck ? `?language=${encodeURIComponent(project.deck.language)}` : ""}`).catch(() => []),
    api("/avatars").catch(() => []),
  ]);
  const available = voices.filter((v) => v.available);
  const title = h("h1", { id: "project-title" }, project.name);
  const deckInfo = h("p", { id: "deck-info", class: "meta" });
  const bar = h("progress", { id: "upload-progress", max: "100", value: "0", hidden: true, "aria-label": t("upload.progress") });
  const uploadStatus = h("p", { id: "upload-status", role: "status" });
  const scenesList = h("ol", { id: "scenes", class: "scenes" });
  const scenesBox = h("section", { class: "card", id: "scenes-box", hidden: !project.deck, "aria-labelledby": "scenes-title" });
  const optionsBox = h("section", { class: "card", id: "options-box", hidden: !project.deck, "aria-labelledby": "options-title" });
  const panel = new RendersPanel(project);
  let scenes = [];
  let options = null;
  const editor = {
    projectId,
    voices: available,
    options: () => (options ? options.value() : {}),
    reorder: async (index, delta, which) => {
      const order = scenes.map((s) => s.index);
      const from = order.indexOf(index);
      const to = from + delta;
      if (to < 0 || to >= order.length) return;
      [order[from], order[to]] = [order[to], order[from]];
      try {
        await flushSaves();
        const answer = await api(`/projects/${projectId}/scenes/order`, { method: "PUT", json: { order } });
        showScenes(answer);
        const moved = document.getElementById(`scene-${index}`);
        const button = moved && (moved.querySelector(`.${which}:not([disabled])`) || moved.querySelector("textarea"));
        if (button) button.focus();
        announce(t("scene.moved", { position: to + 1 }));
      } catch (error) { showError(describe(error)); }
    },
  };
  const showScenes = (list) => {
    scenes = [...list].sort((a, b) => (a.position ?? a.index) - (b.position ?? b.index));
    sceneCards(scenesList, scenes, editor);
  };
  const describeDeck = () => {
    const deck = project.deck;
    deckInfo.textContent = deck
      ? t("editor.deck", { name: deck.source_name, count: deck.scene_count, language: deck.language }) : t("editor.no_deck");
  };
  const showOptions = () => {
    const first = scenes.find((s) => s.image_url);
    options = renderOptions({ voices: available, avatars, slideImage: first && first.image_url,
      language: project.deck && project.deck.language },
      (body) => panel.start(projectId, body));
    optionsBox.replaceChildren(h("h2", { id: "options-title" }, t("options.title")), options.element);
  };
  const upload = async (file) => {
    bar.hidden = false;
    bar.value = 0;
    uploadStatus.textContent = t("upload.sending", { name: file.name });
    try {
      project = await uploadDeck(projectId, file, (share) => {
        bar.value = Math.round(share * 100);
        uploadStatus.textContent = share < 1 ? t("upload.percent", { percent: Math.round(share * 100) }) : t("upload.reading");
      });
      uploadStatus.textContent = t("upload.done", { count: project.deck.scene_count });
      describeDeck();
      await loadScenes();
      scenesBox.hidden = false;
      optionsBox.hidden = false;
    } catch (error) {
      uploadStatus.textContent = "";
      showError(t("upload.failed", { code: error.code || "error", message: describe(error) }));
    } finally { bar.hidden = true; }
  };
  const loadScenes = async () => {
    showScenes(await api(`/projects/${projectId}/scenes`));
    showOptions();
  };
  const drop = dropZone("deck-drop", t("upload.drop"), upload);
  drop.input.id = "deck";
  drop.element.querySelector("label").setAttribute("for", "deck");
  const scriptsStatus = h("span", { id: "scripts-status", role: "status" });
  const writeButton = h("button", { type: "button", id: "write-scripts", class: "secondary" }, t("scripts.write"));
  writeButton.addEventListener("click", async () => {
    writeButton.disabled = true;
    scriptsStatus.textContent = t("scripts.writing");
    try {
      await flushSaves();
      const answer = await api(`/projects/${projectId}/scripts`, { method: "POST", json: { script: "auto" } });
      showScenes(answer);
      const written = answer.filter((s) => s.script_source.startsWith("writer:")).length;
      scriptsStatus.textContent = t("scripts.written", { count: written });
    } catch (error) {
      scriptsStatus.textContent = "";
      showError(t("scripts.failed", { code: error.code || "error", message: describe(error) }));
    } finally { writeButton.disabled = false; }
  });
  scenesBox.append(h("h2", { id: "scenes-title" }, t("scenes.title")),
    h("div", { class: "row" }, writeButton, scriptsStatus),
    h("p", { class: "hint" }, t("scenes.hint")), scenesList);
  const glossary = h("details", { class: "card" }, h("summary", {}, t("editor.glossary")),
    glossaryEditor("project-glossary", project.glossary || [],
      async (entries) => { project = await api(`/projects/${projectId}`, { method: "PATCH", json: { glossary: entries } }); },
      () => (options && options.value().voice) || null));
  describeDeck();
  main.append(
    h("p", {}, h("a", { href: "#/" }, t("editor.back"))),
    title, deckInfo,
    h("section", { class: "card", "aria-labelledby": "upload-title" },
      h("h2", { id: "upload-title" }, project.deck ? t("upload.replace") : t("upload.title")), drop.element, bar, uploadStatus),
    scenesBox, glossary, optionsBox, panel.element);
  if (project.deck) await loadScenes();
  panel.load().catch((error) => showError(describe(error)));
  if (context.pendingFile) {
    const file = context.pendingFile;
    context.pendingFile = null;
    upload(file);
  }
  return () => { panel.close(); flushSaves(); };
}
