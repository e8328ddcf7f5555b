// Estúdio web page: vanilla JS against the /v1 API. No build step.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { key: "", project: null, render: null, timer: null };

function showError(message) { $("error").textContent = message || ""; }

async function api(path, options = {}) {
  const headers = Object.assign({ Authorization: `Bearer ${state.key}` }, options.headers || {});
  const response = await fetch(`/v1${path}`, Object.assign({}, options, { headers }));
  if (response.status === 204) return null;
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(body.detail || body.title || `HTTP ${response.status}`);
    error.code = body.code;
    throw error;
  }
  return body;
}

async function useKey(key) {
  state.key = key.trim();
  try {
    const voices = await api("/voices?language=pt-BR");
    sessionStorage.setItem("estudio-key", state.key);
    $("auth-status").textContent = "Conectado.";
    const select = $("voice");
    select.replaceChildren(new Option("Padrão do idioma", ""));
    for (const voice of voices.filter((v) => v.available)) {
      select.append(new Option(voice.name, voice.id));
    }
    showError("");
  } catch (error) {
    $("auth-status").textContent = "";
    showError(`Chave recusada: ${error.message}`);
  }
}

async function sendDeck() {
  const file = $("deck").files[0];
  if (!file) { showError("Escolha uma apresentação (.pptx, .ppt, .odp ou .pdf)."); return; }
  $("send").disabled = true;
  $("upload-status").textContent = "Enviando…";
  try {
    state.project = await api("/projects", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: file.name }),
    });
    const form = new FormData();
    form.append("file", file, file.name);
    state.project = await api(`/projects/${state.project.id}/deck`, { method: "POST", body: form });
    const deck = state.project.deck;
    $("upload-status").textContent = `${deck.scene_count} cenas (${deck.language}).`;
    await loadScenes();
    $("render-box").hidden = false;
    showError("");
  } catch (error) {
    $("upload-status").textContent = "";
    showError(`Não foi possível ler a apresentação (${error.code || "erro"}): ${error.message}`);
  } finally {
    $("send").disabled = false;
  }
}

async function loadScenes() {
  const scenes = await api(`/projects/${state.project.id}/scenes`);
  const list = $("scenes");
  list.replaceChildren();
  for (const scene of scenes) {
    const item = document.createElement("li");
    item.dataset.index = scene.index;
    const title = document.createElement("div");
    title.className = "scene-title";
    title.textContent = scene.title || `Slide ${scene.slide_number}`;
    const text = document.createElement("textarea");
    text.value = scene.script;
    text.setAttribute("aria-label", `Narração da cena ${scene.index + 1}`);
    const saved = document.createElement("span");
    saved.className = "saved";
    text.addEventListener("change", async () => {
      try {
        await api(`/projects/${state.project.id}/scenes/${scene.index}`, {
          method: "PATCH",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ script: text.value }),
        });
        saved.textContent = "salvo";
      } catch (error) { showError(error.message); }
    });
    item.append(title, text, saved);
    list.append(item);
  }
  $("scenes-box").hidden = false;
}

async function startRender() {
  $("render").disabled = true;
  $("result").hidden = true;
  const body = { preset: $("preset").value };
  if ($("voice").value) body.voice = $("voice").value;
  try {
    state.render = await api(`/projects/${state.project.id}/renders`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID() },
      body: JSON.stringify(body),
    });
    poll();
  } catch (error) {
    showError(error.message);
    $("render").disabled = false;
  }
}

async function poll() {
  try {
    const render = await api(`/renders/${state.render.id}`);
    $("progress").value = render.progress;
    $("render-status").textContent = `${render.status} ${render.stage || ""} ${render.progress}%`;
    if (render.status === "succeeded") return finished(render);
    if (render.status === "failed" || render.status === "cancelled") {
      $("render").disabled = false;
      showError(`Falhou (${render.error ? render.error.code : render.status}): ${render.error ? render.error.message : ""}`);
      return;
    }
  } catch (error) { showError(error.message); }
  state.timer = setTimeout(poll, 1000);
}

function finished(render) {
  $("render").disabled = false;
  const links = $("downloads");
  links.replaceChildren();
  for (const output of render.outputs) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = output.url;
    link.textContent = output.name;
    link.download = output.name;
    item.append(link);
    links.append(item);
    if (output.name === "video.mp4") $("video").src = output.url;
  }
  $("result").hidden = false;
}

$("save-key").addEventListener("click", () => useKey($("key").value));
$("send").addEventListener("click", sendDeck);
$("render").addEventListener("click", startRender);

const localKey = document.querySelector('meta[name="estudio-local-key"]').content;
const remembered = sessionStorage.getItem("estudio-key");
if (localKey || remembered) {
  $("key").value = localKey || remembered;
  useKey(localKey || remembered);
}
