// For partners: API keys (create, list, revoke) and webhooks (subscribe, delivery log, replay).
import { api, apiAll } from "../api.js";
import { announce, confirmDialog, h, showError, describe } from "../dom.js";
import { formatDate, t } from "../i18n.js";

const EVENTS = ["render.queued", "render.started", "render.progress", "render.completed", "render.failed", "deck.parsed"];

function secretBox(label, secret) {
  const field = h("input", { value: secret, readonly: true, "aria-label": label, class: "secret" });
  return h("div", { class: "secret-box", role: "status" }, h("p", {}, label), field,
    h("button", { type: "button", class: "secondary", onclick: async () => {
      field.select();
      try { await navigator.clipboard.writeText(secret); announce(t("partners.copied")); } catch { /* selected: copy by hand */ }
    } }, t("partners.copy")));
}

async function keysSection() {
  const body = h("tbody", {});
  const shown = h("div", {});
  const section = h("section", { class: "card", "aria-labelledby": "keys-title" },
    h("h2", { id: "keys-title" }, t("keys.title")));
  const reload = async () => {
    let keys;
    try { keys = await api("/keys"); } catch (error) {
      section.append(h("p", { class: "hint" }, error.status === 404 ? t("keys.unavailable") : error.message));
      return false;
    }
    const items = Array.isArray(keys) ? keys : keys.items || [];
    body.replaceChildren(...items.map((key) => h("tr", { class: key.revoked ? "revoked" : "" },
      h("td", {}, key.label || "—"), h("td", {}, h("code", {}, key.prefix ? `${key.prefix}…` : key.id)),
      h("td", {}, key.created_at ? formatDate(key.created_at) : "—"),
      h("td", {}, key.last_used_at ? formatDate(key.last_used_at) : t("keys.never")),
      h("td", {}, key.revoked ? t("keys.revoked") : h("button", { type: "button", class: "danger", "aria-label": t("keys.revoke_named", { label: key.label || key.id }),
        onclick: async () => {
          if (!(await confirmDialog(t("keys.confirm_revoke", { label: key.label || key.id }), t("keys.revoke"), t("action.cancel")))) return;
          try { await api(`/keys/${encodeURIComponent(key.id)}`, { method: "DELETE" }); reload(); } catch (error) { showError(describe(error)); }
        } }, t("keys.revoke"))))));
    if (!items.length) body.append(h("tr", {}, h("td", { colspan: "5" }, t("keys.none"))));
    return true;
  };
  const label = h("input", { id: "key-label", required: true, maxlength: "100", autocomplete: "off" });
  const form = h("form", { class: "row", onsubmit: async (event) => {
    event.preventDefault();
    try {
      const created = await api("/keys", { method: "POST", json: { label: label.value.trim() } });
      shown.replaceChildren(secretBox(t("keys.secret_once"), created.key));
      label.value = "";
      reload();
    } catch (error) { showError(describe(error)); }
  } }, h("label", { for: "key-label" }, t("keys.label")), label, h("button", { type: "submit" }, t("keys.create")));
  if (await reload()) {
    section.append(form, shown, h("div", { class: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, ...["keys.label", "keys.id", "keys.created", "keys.used", "glossary.actions"]
        .map((k) => h("th", { scope: "col" }, t(k))))), body)));
  }
  return section;
}

function deliveriesTable(hook, rows) {
  return h("div", { class: "table-wrap" }, h("table", { class: "deliveries" },
    h("caption", {}, t("hooks.log", { url: hook.url })),
    h("thead", {}, h("tr", {}, ...["hooks.event", "hooks.state", "hooks.attempts", "hooks.last", "glossary.actions"]
      .map((k) => h("th", { scope: "col" }, t(k))))),
    h("tbody", {}, ...rows.map(({ delivery, replay }) => h("tr", {},
      h("td", {}, delivery.event_type, h("br"), h("small", {}, formatDate(delivery.created_at))),
      h("td", {}, t(`hooks.state.${delivery.state}`)), h("td", {}, String(delivery.attempts)),
      h("td", {}, delivery.last_status ? String(delivery.last_status) : delivery.last_error || "—"),
      h("td", {}, h("button", { type: "button", class: "secondary", onclick: replay }, t("hooks.replay"))))))));
}

async function hooksSection() {
  const list = h("ul", { class: "hooks" });
  const shown = h("div", {});
  const reload = async () => {
    const hooks = await apiAll("/webhooks", 200);
    list.replaceChildren(...hooks.map((hook) => {
      const log = h("div", { class: "log" });
      const showLog = async () => {
        const deliveries = await apiAll(`/webhooks/${hook.id}/deliveries`, 100);
        log.replaceChildren(deliveries.length ? deliveriesTable(hook, deliveries.map((delivery) => ({
          delivery,
          replay: async () => {
            try {
              await api(`/webhooks/${hook.id}/deliveries/${delivery.id}/replay`, { method: "POST" });
              announce(t("hooks.replayed"));
              showLog();
            } catch (error) { showError(describe(error)); }
          },
        }))) : h("p", { class: "hint" }, t("hooks.no_deliveries")));
      };
      return h("li", { class: "hook" },
        h("p", {}, h("strong", {}, hook.url), " ", h("small", {}, hook.events.join(", "))),
        hook.description ? h("p", { class: "hint" }, hook.description) : null,
        h("div", { class: "row" },
          h("button", { type: "button", class: "secondary", onclick: () => showLog().catch((e) => showError(describe(e))) }, t("hooks.deliveries")),
          h("button", { type: "button", class: "danger", onclick: async () => {
            if (!(await confirmDialog(t("hooks.confirm_remove", { url: hook.url }), t("hooks.remove"), t("action.cancel")))) return;
            try { await api(`/webhooks/${hook.id}`, { method: "DELETE" }); reload(); } catch (error) { showError(describe(error)); }
          } }, t("hooks.remove"))),
        log);
    }));
    if (!hooks.length) list.append(h("li", { class: "empty" }, t("hooks.none")));
  };
  const url = h("input", { id: "hook-url", type: "url", required: true, placeholder: "https://", autocomplete: "off" });
  const description = h("input", { id: "hook-description", maxlength: "500", autocomplete: "off" });
  const events = h("fieldset", { class: "choices" }, h("legend", {}, t("hooks.events")),
    ...EVENTS.map((event) => h("label", { class: "choice" },
      h("input", { type: "checkbox", name: "events", value: event, checked: event !== "render.progress" }), h("span", {}, event))));
  const form = h("form", { class: "stack", onsubmit: async (event) => {
    event.preventDefault();
    const chosen = [...events.querySelectorAll("input:checked")].map((input) => input.value);
    try {
      const created = await api("/webhooks", { method: "POST", json: {
        url: url.value.trim(), events: chosen, description: description.value.trim() || null,
      } });
      shown.replaceChildren(secretBox(t("hooks.secret_once"), created.secret));
      url.value = "";
      reload();
    } catch (error) { showError(describe(error)); }
  } },
  h("label", { for: "hook-url" }, t("hooks.url")), url,
  h("label", { for: "hook-description" }, t("hooks.description")), description,
  events, h("button", { type: "submit" }, t("hooks.subscribe")));
  await reload();
  return h("section", { class: "card", "aria-labelledby": "hooks-title" },
    h("h2", { id: "hooks-title" }, t("hooks.title")), form, shown, list);
}

export async function partnersView(main) {
  main.append(h("h1", {}, t("nav.partners")), h("p", { class: "hint" }, t("partners.hint")));
  const [keys, hooks] = await Promise.all([keysSection(), hooksSection()]);
  main.append(keys, hooks);
}
