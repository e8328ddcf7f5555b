// Pronunciation glossary editor (tenant-wide page, and the project's own in the editor), with a
// "hear it" button per entry (POST /v1/speech/preview of the spoken form).
import { api, apiBlob } from "../api.js";
import { announce, h, showError, describe } from "../dom.js";
import { t } from "../i18n.js";
import { playAudio } from "./preview.js";

let hearing = true; // false once the server says it has no speech preview

/** An editor of `entries`; `save(entries)` stores them. Returns the element. */
export function glossaryEditor(id, entries, save, voice = () => null) {
  const rows = h("tbody", {});
  const player = h("div", { class: "glossary-player" });
  const note = h("p", { class: "hint", hidden: hearing }, t("glossary.no_hearing"));
  const addRow = (entry = { term: "", spoken: "" }) => {
    const n = rows.children.length + 1;
    const term = h("input", { value: entry.term, "aria-label": t("glossary.term_n", { n }), maxlength: "100", class: "term" });
    const spoken = h("input", { value: entry.spoken, "aria-label": t("glossary.spoken_n", { n }), maxlength: "300", class: "spoken" });
    const hear = h("button", { type: "button", class: "secondary hear-term", hidden: !hearing,
      "aria-label": t("glossary.hear_n", { n }) }, t("glossary.hear"));
    hear.addEventListener("click", async () => {
      const text = spoken.value.trim() || term.value.trim();
      if (!text) return;
      try {
        const blob = await apiBlob("/speech/preview", { json: { text, voice: voice() } });
        playAudio(player, blob, t("glossary.hear_n", { n }));
      } catch (error) {
        if (error.status === 404 || error.status === 405) {
          hearing = false;
          for (const button of editor.querySelectorAll(".hear-term")) button.hidden = true;
          note.hidden = false;
        } else showError(describe(error));
      }
    });
    const remove = h("button", { type: "button", class: "secondary", "aria-label": t("glossary.remove_n", { n }),
      onclick: () => row.remove() }, "✕");
    const row = h("tr", { dataset: { entry: entry.ipa || "" } },
      h("td", {}, term), h("td", {}, spoken), h("td", { class: "row" }, hear, remove));
    row.original = entry;
    rows.append(row);
    return term;
  };
  entries.forEach((entry) => addRow(entry));
  const collect = () => [...rows.children].map((row) => {
    const [term, spoken] = row.querySelectorAll("input");
    return { ...row.original, term: term.value.trim(), spoken: spoken.value.trim() };
  }).filter((e) => e.term && e.spoken);
  const editor = h("form", { id, class: "glossary", onsubmit: async (event) => {
    event.preventDefault();
    try {
      await save(collect());
      announce(t("glossary.saved"));
      status.textContent = t("glossary.saved");
    } catch (error) { showError(describe(error)); }
  } },
  h("table", {}, h("thead", {}, h("tr", {},
    h("th", { scope: "col" }, t("glossary.term")), h("th", { scope: "col" }, t("glossary.spoken")),
    h("th", { scope: "col" }, h("span", { class: "sr-only" }, t("glossary.actions"))))), rows),
  note,
  h("div", { class: "row" },
    h("button", { type: "button", class: "secondary", onclick: () => addRow().focus() }, t("glossary.add")),
    h("button", { type: "submit" }, t("action.save"))),
  player);
  const status = h("span", { role: "status", class: "saved" });
  editor.append(status);
  return editor;
}

export async function glossaryView(main) {
  const glossary = await api("/glossary");
  main.append(h("h1", {}, t("nav.glossary")),
    h("section", { class: "card" }, h("p", { class: "hint" }, t("glossary.tenant_hint")),
      glossaryEditor("tenant-glossary", glossary.entries, (entries) => api("/glossary", { method: "PUT", json: { entries } }))));
}
