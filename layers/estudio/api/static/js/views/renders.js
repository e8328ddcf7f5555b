// A project's renders: history, live progress in words with cancel, and the finished video with
// its captions track, chapters and download links.
import { api, followRender } from "../api.js";
import { announce, h, showError, describe } from "../dom.js";
import { formatDate, t } from "../i18n.js";
import { captionTracks, chaptersOf, chaptersVtt, clock } from "../media.js";
import { renderWords } from "../stages.js";

const FINAL = new Set(["succeeded", "failed", "cancelled"]);
const LABELS = {
  "video.mp4": "file.video", "subtitles.vtt": "file.vtt", "subtitles.srt": "file.srt",
  "thumbnail.jpg": "file.thumbnail", "manifest.json": "file.manifest", "scorm12.zip": "file.scorm12",
  "scorm2004.zip": "file.scorm2004", "storyboard.zip": "file.storyboard",
};

export class RendersPanel {
  constructor(project) {
    this.project = project;
    this.stop = null;
    this.progress = h("progress", { id: "progress", max: "100", value: "0", "aria-labelledby": "render-status" });
    this.words = h("p", { id: "render-status", role: "status" });
    this.cancel = h("button", { type: "button", class: "danger", id: "cancel-render", hidden: true }, t("renders.cancel"));
    this.cancel.addEventListener("click", () => this.#cancel());
    this.live = h("div", { class: "live", hidden: true }, h("div", { class: "row" }, this.progress, this.cancel), this.words);
    this.player = h("div", { id: "result", hidden: true });
    this.history = h("ol", { id: "history", class: "history" });
    this.element = h("section", { class: "card", "aria-labelledby": "renders-title" },
      h("h2", { id: "renders-title" }, t("renders.title")), this.live, this.player,
      h("h3", {}, t("renders.history")), this.history);
  }

  async load() {
    const page = await api("/renders?limit=100");
    // A further language's render shows under the render it belongs to (its `languages`).
    this.renders = page.items.filter((r) => r.project_id === this.project.id && !r.parent_id);
    this.#history();
    const running = this.renders.find((r) => !FINAL.has(r.status));
    if (running) this.follow(running);
    else {
      const done = this.renders.find((r) => r.status === "succeeded");
      if (done) this.show(done);
    }
  }

  #history() {
    this.history.replaceChildren(...this.renders.map((render) => {
      const options = render.options || {};
      const open = render.status === "succeeded"
        ? h("button", { type: "button", class: "secondary", onclick: () => this.show(render) }, t("renders.watch")) : null;
      return h("li", { dataset: { id: render.id }, class: `status-${render.status}` },
        h("span", { class: "when" }, formatDate(render.created_at)), " ",
        h("span", { class: "badge" }, renderWords(render)), " ",
        h("span", { class: "opts" }, [options.preset, options.avatar, options.subtitles].filter(Boolean).join(" · ")),
        " ", open);
    }));
    if (!this.renders.length) this.history.append(h("li", { class: "empty" }, t("renders.none")));
  }

  /** Watch `render` live until it finishes. */
  follow(render) {
    if (this.stop) this.stop();
    this.current = render;
    this.live.hidden = false;
    this.player.hidden = true;
    this.#update(render);
    this.stop = followRender(render.id, (fresh) => this.#update(fresh));
  }

  #update(render) {
    this.current = render;
    this.progress.value = render.progress;
    this.words.textContent = `${renderWords(render)} · ${render.progress}%`;
    this.cancel.hidden = FINAL.has(render.status);
    const index = this.renders ? this.renders.findIndex((r) => r.id === render.id) : -1;
    if (index >= 0) this.renders[index] = render; else if (this.renders) this.renders.unshift(render);
    if (FINAL.has(render.status)) {
      if (this.stop) { this.stop(); this.stop = null; }
      this.#history();
      if (render.status === "succeeded") { announce(t("renders.ready")); this.show(render); }
      else if (render.status === "failed") showError(renderWords(render));
    }
  }

  async #cancel() {
    if (!this.current) return;
    try {
      this.#update(await api(`/renders/${this.current.id}/cancel`, { method: "POST" }));
    } catch (error) { showError(describe(error)); }
  }

  /** The finished video: captions track, chapters (manifest's, else scene titles), downloads. */
  async show(render) {
    const outputs = render.outputs || [];
    const video = outputs.find((o) => o.name === "video.mp4");
    const language = (outputs.find((o) => o.name === "video.mp4" && o.language) || {}).language
      || (this.project.deck && this.project.deck.language) || "pt-BR";
    const element = h("video", { id: "video", controls: true, preload: "metadata", playsinline: true });
    if (video) element.src = video.url;
    // Captions are fetched and given to the <track> as a blob: a presigned link elsewhere
    // (another origin, CORS) would need the video itself to be fetched with CORS too.
    const tracks = await Promise.all(captionTracks(outputs, language).map(async (track) => {
      try {
        const response = await fetch(track.url);
        if (response.ok) {
          const text = await response.text();
          return { ...track, src: URL.createObjectURL(new Blob([text], { type: "text/vtt" })) };
        }
      } catch { /* the link itself, same origin */ }
      return { ...track, src: track.url };
    }));
    tracks.forEach((track, i) => {
      element.append(h("track", { kind: "captions", src: track.src, srclang: track.language,
        label: t("renders.captions", { language: track.language }), default: i === 0 }));
    });
    const chapterList = h("ol", { class: "chapters", "aria-label": t("renders.chapters") });
    const downloads = h("ul", { id: "downloads", class: "downloads" }, ...outputs.map((output) =>
      h("li", {}, h("a", { href: output.url, download: "" }, output.name),
        LABELS[output.name] ? h("span", { class: "hint" }, ` — ${t(LABELS[output.name])}`) : null)));
    const versions = (render.languages || []).length > 1 ? h("div", { class: "row", role: "group", "aria-label": t("renders.languages") },
      ...render.languages.map((version) => h("button", {
        type: "button", class: "secondary", "aria-pressed": String(version.render_id === render.id),
        disabled: version.status !== "succeeded",
        onclick: async () => {
          try {
            const other = await api(`/renders/${version.render_id}`);
            this.show({ ...other, languages: render.languages });
          } catch (error) { showError(describe(error)); }
        },
      }, version.language))) : null;
    this.player.replaceChildren(...[h("h3", {}, t("renders.video")), versions, element,
      h("h3", {}, t("renders.chapters")), chapterList, h("h3", {}, t("renders.downloads")), downloads]
      .filter(Boolean)); // replaceChildren writes "null" for a missing language row
    this.player.hidden = false;
    const manifestOutput = outputs.find((o) => o.name === "manifest.json");
    let manifest = null;
    if (manifestOutput) {
      try { manifest = await (await fetch(manifestOutput.url)).json(); } catch { manifest = null; }
    }
    const chapters = chaptersOf(manifest);
    if (chapters.length && manifest) {
      const url = URL.createObjectURL(new Blob([chaptersVtt(chapters, manifest.duration_s)], { type: "text/vtt" }));
      element.append(h("track", { kind: "chapters", src: url, srclang: language, label: t("renders.chapters") }));
    }
    chapterList.replaceChildren(...chapters.map((chapter) => h("li", {},
      h("button", { type: "button", class: "link", onclick: () => { element.currentTime = chapter.start_s; element.play().catch(() => {}); } },
        `${clock(chapter.start_s)} ${chapter.title}`))));
  }

  async start(projectId, body) {
    try {
      const render = await api(`/projects/${projectId}/renders`, {
        method: "POST", json: body, headers: { "Idempotency-Key": crypto.randomUUID() },
      });
      this.renders = this.renders || [];
      this.renders.unshift(render);
      this.#history();
      this.follow(render);
      this.live.scrollIntoView({ block: "nearest" });
    } catch (error) { showError(t("error.render", { message: describe(error) })); }
  }

  close() {
    if (this.stop) this.stop();
  }
}
