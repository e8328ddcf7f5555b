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
    localStorage.setItem("estudio-key", state.key);
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

const SOURCES = {
  notes: "notas do apresentador",
  slide_text: "texto do slide",
  text: "texto do slide",
  none: "sem narração",
  edited: "editado",
  "writer:rules": "roteiro automático",
  "writer:openai": "roteiro por IA",
  "writer:bedrock": "roteiro por IA",
};

async function writeScripts() {
  $("write-scripts").disabled = true;
  $("scripts-status").textContent = "Escrevendo…";
  try {
    const scenes = await api(`/projects/${state.project.id}/scripts`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ script: "auto" }),
    });
    showScenes(scenes);
    const written = scenes.filter((s) => s.script_source.startsWith("writer:")).length;
    $("scripts-status").textContent = `${written} roteiros escritos. Revise antes de gerar o vídeo.`;
    showError("");
  } catch (error) {
    $("scripts-status").textContent = "";
    showError(`Não foi possível escrever o roteiro (${error.code || "erro"}): ${error.message}`);
  } finally {
    $("write-scripts").disabled = false;
  }
}

async function loadScenes() {
  showScenes(await api(`/projects/${state.project.id}/scenes`));
}

function showScenes(scenes) {
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
    saved.textContent = SOURCES[scene.script_source] || "";
    text.addEventListener("change", async () => {
      try {
        await api(`/projects/${state.project.id}/scenes/${scene.index}`, {
          method: "PATCH",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ script: text.value }),
        });
        saved.textContent = "salvo (editado)";
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
    link.setAttribute("download", "");  // the server's Content-Disposition names it
    item.append(link);
    links.append(item);
    if (output.name === "video.mp4") $("video").src = output.url;
  }
  $("result").hidden = false;
}

$("save-key").addEventListener("click", () => useKey($("key").value));
$("send").addEventListener("click", sendDeck);
$("render").addEventListener("click", startRender);
$("write-scripts").addEventListener("click", writeScripts);

// `estudio serve` prints a one-time link: /#login=<token>. Trade it for the local key, once.
async function start() {
  const login = new URLSearchParams(location.hash.slice(1)).get("login");
  if (login) {
    history.replaceState(null, "", location.pathname);
    try {
      const answer = await api("/local/login", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ token: login }),
      });
      localStorage.setItem("estudio-key", answer.api_key);
    } catch (error) {
      showError(`Link de acesso recusado (${error.message}). Cole a chave da API.`);
    }
  }
  const remembered = localStorage.getItem("estudio-key");
  if (remembered) {
    $("key").value = remembered;
    useKey(remembered);
  }
}
start();
