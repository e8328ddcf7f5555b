// Scene previews: the narration in an <audio>, the scene as video in a modal <dialog>.
import { h } from "../dom.js";
import { t } from "../i18n.js";

const urls = new WeakMap();

export function playAudio(container, blob, label) {
  const old = container.querySelector("audio");
  if (old && urls.has(old)) URL.revokeObjectURL(urls.get(old));
  const url = URL.createObjectURL(blob);
  const audio = h("audio", { controls: true, src: url, "aria-label": label });
  urls.set(audio, url);
  container.replaceChildren(audio);
  audio.play().catch(() => { /* the controls are there to press play */ });
  return audio;
}

export function showVideo(blob, title) {
  const url = URL.createObjectURL(blob);
  const video = h("video", { controls: true, src: url, autoplay: true, playsinline: true, class: "preview-video" });
  const dialog = h("dialog", { class: "preview-dialog", "aria-labelledby": "preview-title" },
    h("div", { class: "row between" },
      h("h2", { id: "preview-title" }, title),
      h("button", { type: "button", class: "secondary", id: "close-preview", onclick: () => dialog.close() }, t("action.close"))),
    video);
  dialog.addEventListener("close", () => { video.pause(); URL.revokeObjectURL(url); dialog.remove(); });
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}
