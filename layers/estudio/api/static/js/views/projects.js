// Projects: newest first, with the last render's thumbnail and status; create, rename, delete.
import { api, apiAll } from "../api.js";
import { announce, confirmDialog, h, showError, describe } from "../dom.js";
import { formatDate, t } from "../i18n.js";
import { statusWords } from "../stages.js";
import { dropZone } from "./upload.js";

function latestRenders(renders) {
  const latest = new Map();
  const thumbs = new Map();
  for (const render of renders) { // newest first
    if (!render.project_id) continue;
    if (!latest.has(render.project_id)) latest.set(render.project_id, render);
    const thumb = (render.outputs || []).find((o) => o.name === "thumbnail.jpg");
    if (thumb && !thumbs.has(render.project_id)) thumbs.set(render.project_id, thumb.url);
  }
  return { latest, thumbs };
}

function projectItem(project, render, thumb, reload) {
  const heading = h("h2", { class: "project-name" },
    h("a", { href: `#/projects/${project.id}` }, project.name));
  const picture = thumb
    ? h("img", { src: thumb, alt: "", class: "thumb", loading: "lazy" })
    : h("div", { class: "thumb placeholder", "aria-hidden": "true" }, project.name.slice(0, 1).toUpperCase());
  const status = render ? render.status : "none";
  const deck = project.deck;
  const meta = h("p", { class: "meta" },
    deck ? t("projects.scenes", { count: deck.scene_count }) : t("projects.no_deck"),
    " · ", t("projects.updated", { when: formatDate(project.updated_at) }));
  const badge = h("p", { class: `badge status-${status}` }, t("projects.last_render"), " ", statusWords(status));
  const item = h("li", { class: "project", dataset: { id: project.id } });
  const rename = () => {
    const input = h("input", { value: project.name, "aria-label": t("projects.new_name"), maxlength: "200", required: true });
    const form = h("form", { class: "row rename", onsubmit: async (event) => {
      event.preventDefault();
      try {
        await api(`/projects/${project.id}`, { method: "PATCH", json: { name: input.value } });
        announce(t("projects.renamed"));
        reload();
      } catch (error) { showError(describe(error)); }
    } }, input,
    h("button", { type: "submit" }, t("action.save")),
    h("button", { type: "button", class: "secondary", onclick: reload }, t("action.cancel")));
    heading.replaceWith(form);
    input.focus();
    input.select();
  };
  const remove = async () => {
    if (!(await confirmDialog(t("projects.confirm_delete", { name: project.name }), t("action.delete"), t("action.cancel")))) return;
    try {
      await api(`/projects/${project.id}`, { method: "DELETE" });
      announce(t("projects.deleted", { name: project.name }));
      reload();
    } catch (error) { showError(describe(error)); }
  };
  item.append(picture, h("div", { class: "project-body" }, heading, meta, badge,
    h("div", { class: "row" },
      h("button", { type: "button", class: "secondary", onclick: rename,
        "aria-label": t("projects.rename_named", { name: project.name }) }, t("action.rename")),
      h("button", { type: "button", class: "danger", onclick: remove,
        "aria-label": t("projects.delete_named", { name: project.name }) }, t("action.delete")))));
  return item;
}

export async function projectsView(main, context) {
  const list = h("ul", { id: "projects", class: "projects", "aria-labelledby": "projects-title" });
  const nameInput = h("input", { id: "new-project", required: true, maxlength: "200", autocomplete: "off" });
  const create = async (name, file) => {
    const project = await api("/projects", { method: "POST", json: { name } });
    context.pendingFile = file || null;
    context.navigate(`#/projects/${project.id}`);
  };
  const form = h("form", { class: "row create", onsubmit: async (event) => {
    event.preventDefault();
    try { await create(nameInput.value.trim()); } catch (error) { showError(describe(error)); }
  } },
  h("label", { for: "new-project" }, t("projects.new_label")), nameInput,
  h("button", { type: "submit", id: "create-project" }, t("projects.create")));
  const drop = dropZone("projects-drop", t("projects.drop"), async (file) => {
    try { await create(file.name.replace(/\.[^.]+$/, "") || file.name, file); } catch (error) { showError(describe(error)); }
  });
  main.append(
    h("h1", { id: "projects-title" }, t("projects.title")),
    h("section", { class: "card", "aria-label": t("projects.create") }, form, drop.element),
    list,
  );
  const reload = async () => {
    const [page, renders] = await Promise.all([
      api("/projects?limit=100"),
      apiAll("/renders", 200).catch(() => []),
    ]);
    const { latest, thumbs } = latestRenders(renders);
    list.replaceChildren(...page.items.map((p) =>
      projectItem(p, latest.get(p.id), thumbs.get(p.id) || p.thumbnail_url, reload)));
    if (!page.items.length) list.append(h("li", { class: "empty" }, t("projects.empty")));
  };
  await reload();
}
