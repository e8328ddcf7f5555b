// Signed out: the hosted UI (cloud), or the one-time link / an API key (local).
import { h, showError, describe } from "../dom.js";
import { t } from "../i18n.js";
import { api } from "../api.js";

export function signInView(main, context) {
  const { auth } = context;
  const box = h("section", { class: "card narrow", "aria-labelledby": "signin-title" },
    h("h1", { id: "signin-title" }, t("signin.title")));
  if (auth.kind === "cognito") {
    box.append(
      h("p", {}, t("signin.cognito_hint")),
      h("button", { type: "button", id: "sign-in", onclick: () => auth.signIn() }, t("signin.cognito_button")),
    );
  } else {
    const input = h("input", { id: "key", type: "password", autocomplete: "off", placeholder: "est_…",
      "aria-describedby": "key-hint" });
    const form = h("form", { class: "stack", onsubmit: async (event) => {
      event.preventDefault();
      auth.useKey(input.value);
      try {
        await api("/voices");
        context.navigate("#/");
      } catch (error) {
        auth.forget();
        showError(t("signin.key_refused", { message: describe(error) }));
      }
    } },
    h("label", { for: "key" }, t("signin.key_label")), input,
    h("p", { id: "key-hint", class: "hint" }, t("signin.key_hint")),
    h("button", { type: "submit" }, t("signin.key_button")));
    box.append(h("p", {}, t("signin.local_hint")), form);
  }
  main.append(box);
}
