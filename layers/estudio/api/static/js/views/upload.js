// A drop zone with a file button: drag and drop or pick a deck (.pptx, .ppt, .odp, .pdf).
import { h } from "../dom.js";
import { t } from "../i18n.js";

export const DECK_TYPES = ".pptx,.pptm,.ppt,.odp,.pdf";

export function dropZone(id, label, onFile) {
  const input = h("input", { type: "file", id: `${id}-file`, accept: DECK_TYPES, class: "visually-hidden-file" });
  input.addEventListener("change", () => { if (input.files[0]) onFile(input.files[0]); input.value = ""; });
  const element = h("div", { class: "drop", id },
    h("p", {}, label),
    h("label", { for: `${id}-file`, class: "button secondary" }, t("upload.choose")),
    input);
  const over = (event) => { event.preventDefault(); element.classList.add("over"); };
  element.addEventListener("dragenter", over);
  element.addEventListener("dragover", over);
  element.addEventListener("dragleave", () => element.classList.remove("over"));
  element.addEventListener("drop", (event) => {
    event.preventDefault();
    element.classList.remove("over");
    const file = event.dataTransfer && event.dataTransfer.files[0];
    if (file) onFile(file);
  });
  return { element, input };
}
