// Render options: voice, presenter and layout (with a preview), subtitles, format, transition,
// packages, and languages when the API offers them.
import { apiBlob } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";

const PRESETS = ["1080p", "720p", "vertical", "square"];
const SUBTITLES = ["sidecar", "burn", "none"];
const LAYOUTS = ["pip-right", "pip-left", "beside"];
const TRANSITIONS = ["cut", "fade"];
const PACKAGES = ["scorm12", "scorm2004", "storyboard"];

function radios(name, values, checked, label) {
  return h("fieldset", { class: "choices" }, h("legend", {}, label),
    ...values.map(({ value, text, hint }) => h("label", { class: "choice" },
      h("input", { type: "radio", name, value, checked: value === checked }),
      h("span", {}, text, hint ? h("small", {}, hint) : null))));
}

/**
 * The options form. `data` = {voices, avatars, slideImage, language (the deck's)}. Returns
 * {element, value()} where value() is the RenderCreate body.
 */
export function renderOptions(data, onSubmit) {
  const voice = h("select", { id: "render-voice", name: "voice" },
    h("option", { value: "" }, t("options.voice_default")),
    ...data.voices.map((v) => h("option", { value: v.id }, v.name)));
  const presenters = radios("avatar", [
    { value: "", text: t("options.no_presenter") },
    ...data.avatars.map((a) => ({ value: a.id, text: a.name, hint: a.description })),
  ], "", t("options.presenter"));
  const layouts = radios("avatar_layout", LAYOUTS.map((v) => ({ value: v, text: t(`layout.${v}`) })), "pip-right", t("options.layout"));
  const subtitles = radios("subtitles", SUBTITLES.map((v) => ({ value: v, text: t(`subtitles.${v}`) })), "sidecar", t("options.subtitles"));
  const preset = h("select", { id: "render-preset", name: "preset" },
    ...PRESETS.map((v) => h("option", { value: v }, t(`preset.${v}`))));
  const transition = h("select", { id: "render-transition", name: "transition" },
    ...TRANSITIONS.map((v) => h("option", { value: v }, t(`transition.${v}`))));
  const packages = h("fieldset", { class: "choices" }, h("legend", {}, t("options.packages")),
    ...PACKAGES.map((v) => h("label", { class: "choice" },
      h("input", { type: "checkbox", name: "packages", value: v }), h("span", {}, t(`package.${v}`)))));
  const languages = h("div", { class: "field" },
    h("label", { for: "render-languages" }, t("options.languages")),
    h("input", { id: "render-languages", name: "languages", placeholder: "en, es", "aria-describedby": "languages-hint", autocomplete: "off" }),
    h("p", { id: "languages-hint", class: "hint" }, t("options.languages_hint")),
    h("label", { class: "choice" }, h("input", { type: "checkbox", name: "translate_slides", id: "render-translate-slides" }),
      h("span", {}, t("options.translate_slides"))));

  // The presenter preview: the first slide with the presenter placed as the layout says.
  const presenterBox = h("div", { class: "presenter-box", "aria-hidden": "true" });
  const stage = h("div", { class: "layout-stage layout-pip-right" },
    data.slideImage ? h("img", { src: data.slideImage, alt: "", class: "layout-slide" }) : h("div", { class: "layout-slide" }),
    presenterBox);
  const caption = h("figcaption", {}, "");
  const previewFigure = h("figure", { class: "layout-preview", hidden: true }, stage, caption);
  const form = h("form", { id: "render-options", class: "options" },
    h("div", { class: "field" }, h("label", { for: "render-voice" }, t("options.voice")), voice),
    h("div", { class: "grid2" }, h("div", {}, presenters, layouts), previewFigure),
    subtitles,
    h("div", { class: "grid2" },
      h("div", { class: "field" }, h("label", { for: "render-preset" }, t("options.preset")), preset),
      h("div", { class: "field" }, h("label", { for: "render-transition" }, t("options.transition")), transition)),
    packages, languages,
    h("button", { type: "submit", id: "render" }, t("options.start")));

  const value = () => {
    const fields = new FormData(form);
    const body = {
      preset: preset.value,
      subtitles: fields.get("subtitles") || "sidecar",
      transition: transition.value,
      avatar_layout: fields.get("avatar_layout") || "pip-right",
      packages: fields.getAll("packages"),
    };
    if (voice.value) body.voice = voice.value;
    if (fields.get("avatar")) body.avatar = fields.get("avatar");
    const base = data.language || "pt-BR";
    const extra = String(fields.get("languages") || "").split(/[\s,;]+/).filter((code) => code && code !== base);
    if (extra.length) {
      body.languages = [base, ...new Set(extra)]; // this render's language first
      if (fields.get("translate_slides")) body.translate_slides = true;
    }
    return body;
  };
  // The presenter's picture is fetched with the caller's credentials (an <img src> sends
  // none) and shown from a blob: URL, one per presenter and layout.
  const pictures = new Map();
  const showPresenter = async (id, layout) => {
    const key = `${id}/${layout}`;
    if (!pictures.has(key)) {
      pictures.set(key, apiBlob(`/avatars/${encodeURIComponent(id)}/image?layout=${encodeURIComponent(layout)}`, { method: "GET" })
        .then((blob) => URL.createObjectURL(blob))
        .catch(() => null));
    }
    const url = await pictures.get(key);
    const now = value();
    if (url && now.avatar === id && now.avatar_layout === layout) {
      presenterBox.replaceChildren(h("img", { src: url, alt: "" }));
    }
  };
  const refresh = () => {
    const body = value();
    const avatar = data.avatars.find((a) => a.id === body.avatar);
    previewFigure.hidden = !avatar;
    layouts.disabled = !avatar;
    stage.className = `layout-stage layout-${body.avatar_layout}`;
    presenterBox.replaceChildren(h("span", {}, avatar ? avatar.name.slice(0, 1) : ""));
    if (avatar && avatar.image_url) showPresenter(avatar.id, body.avatar_layout);
    caption.textContent = avatar ? t("options.layout_caption", { name: avatar.name, layout: t(`layout.${body.avatar_layout}`) }) : "";
  };
  form.addEventListener("change", refresh);
  form.addEventListener("submit", (event) => { event.preventDefault(); onSubmit(value()); });
  refresh();
  return { element: form, value };
}
