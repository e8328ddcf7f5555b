// A tiny element builder: h("button", {class: "x", onclick}, "text", child...).
import { has, t } from "./i18n.js";

/** An API error in the reader's words when its code is known, else the API's own message. */
export function describe(error) {
  const code = error && error.code;
  return code && has(`code.${code}`) ? t(`code.${code}`) : String((error && error.message) || error);
}
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      element.className = value;
    } else if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else if (name in element && typeof value !== "string") {
      element[name] = value;
    } else {
      element.setAttribute(name, value === true ? "" : value);
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** Announce `text` to screen readers and show it in the status line. */
export function announce(text) {
  const status = document.getElementById("status");
  if (status) status.textContent = text;
}

export function showError(text) {
  const box = document.getElementById("error");
  if (!box) return;
  box.textContent = text || "";
  box.hidden = !text;
}

/** A modal <dialog>; resolves true when confirmed. */
export function confirmDialog(message, confirmLabel, cancelLabel) {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "confirm", "aria-labelledby": "confirm-text" });
    const done = (answer) => { dialog.close(); dialog.remove(); resolve(answer); };
    dialog.append(
      h("p", { id: "confirm-text" }, message),
      h("div", { class: "row end" },
        h("button", { type: "button", class: "secondary", onclick: () => done(false) }, cancelLabel),
        h("button", { type: "button", class: "danger", onclick: () => done(true) }, confirmLabel)),
    );
    dialog.addEventListener("cancel", (event) => { event.preventDefault(); done(false); });
    document.body.append(dialog);
    dialog.showModal();
  });
}
