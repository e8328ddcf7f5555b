// Estúdio, the studio app: plain ES modules, no build step (docs/adr/0015-studio-app.md).
import { configureApi } from "./js/api.js";
import { Auth, loadConfig } from "./js/auth.js";
import { h, showError, describe } from "./js/dom.js";
import { initLanguage, language, LANGUAGES, setLanguage, t } from "./js/i18n.js";
import { editorView } from "./js/views/editor.js";
import { glossaryView } from "./js/views/glossary.js";
import { partnersView } from "./js/views/partners.js";
import { projectsView } from "./js/views/projects.js";
import { signInView } from "./js/views/signin.js";
import { flushSaves } from "./js/views/scenes.js";

const main = document.getElementById("main");
const context = { auth: null, config: null, pendingFile: null, cleanup: null, navigate };

function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function header() {
  const nav = document.getElementById("nav");
  nav.setAttribute("aria-label", t("nav.main"));
  const signedIn = context.signedIn;
  const here = location.hash || "#/";
  const link = (hash, label) => h("a", {
    href: hash, "aria-current": (hash === "#/" ? here === "#/" || here.startsWith("#/projects") : here.startsWith(hash)) ? "page" : false,
  }, label);
  nav.replaceChildren(...(signedIn ? [
    link("#/", t("nav.projects")), link("#/glossary", t("nav.glossary")), link("#/partners", t("nav.partners")),
  ] : []));
  const tools = document.getElementById("tools");
  const select = h("select", { id: "lang", "aria-label": t("nav.language"), onchange: async (event) => {
    await flushSaves();
    setLanguage(event.target.value);
    route();
  } }, ...Object.keys(LANGUAGES).map((code) => h("option", { value: code, selected: code === language() }, LANGUAGES[code]["language.name"])));
  const out = signedIn ? h("button", { type: "button", class: "secondary", id: "sign-out", onclick: () => {
    context.auth.signOut();
    context.signedIn = false;
    navigate("#/");
  } }, t("nav.sign_out")) : null;
  const who = context.auth && context.auth.who() ? h("span", { class: "who" }, context.auth.who()) : null;
  tools.replaceChildren(select, ...(who ? [who] : []), ...(out ? [out] : []));
  document.querySelector(".skip").textContent = t("nav.skip");
  document.querySelector(".tagline").textContent = t("app.tagline");
}

async function route() {
  if (context.cleanup) { context.cleanup(); context.cleanup = null; }
  showError("");
  context.signedIn = Boolean(await context.auth.token());
  header();
  const hash = location.hash || "#/";
  let view;
  let title = t("nav.projects");
  if (!context.signedIn) { view = signInView; title = t("signin.title"); }
  else if (hash.startsWith("#/projects/")) { view = editorView; title = t("editor.title"); }
  else if (hash.startsWith("#/partners")) { view = partnersView; title = t("nav.partners"); }
  else if (hash.startsWith("#/glossary")) { view = glossaryView; title = t("nav.glossary"); }
  else view = projectsView;
  document.title = `${title} · Estúdio`;
  // The page is built apart and shown whole; meanwhile the reader is told it is loading.
  const page = h("div", { class: "page" });
  main.replaceChildren(h("p", { class: "loading", role: "status" }, t("app.loading")));
  main.setAttribute("aria-busy", "true");
  const shown = (context.shown = (context.shown || 0) + 1);
  try {
    const cleanup = (await view(page, context, hash)) || null;
    if (shown !== context.shown) { if (cleanup) cleanup(); return; } // another page was asked for
    context.cleanup = cleanup;
    main.replaceChildren(page);
  } catch (error) {
    if (shown === context.shown) main.replaceChildren(page);
    showError(t("error.generic", { message: describe(error) }));
  } finally {
    if (shown === context.shown) main.removeAttribute("aria-busy");
  }
}

async function start() {
  initLanguage();
  context.config = await loadConfig();
  context.auth = new Auth(context.config);
  configureApi({
    base: context.config.api,
    token: () => context.auth.token(),
    onUnauthorized: () => {
      if (!context.signedIn) return;
      context.auth.forget();
      context.signedIn = false;
      route();
    },
  });
  let failure = null;
  try { failure = await context.auth.complete(); } catch { failure = "login_refused"; }
  window.addEventListener("hashchange", route);
  await route();
  if (failure) showError(t("signin.refused"));
}

start();
