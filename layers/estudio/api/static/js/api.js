// The /v1 API: JSON calls, binary answers, the deck upload with progress, live render events.
import { streamEvents } from "./sse.js";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const settings = { base: "/v1", token: async () => "", onUnauthorized: () => {} };

export function configureApi({ base, token, onUnauthorized }) {
  if (base) settings.base = base.replace(/\/$/, "");
  if (token) settings.token = token;
  if (onUnauthorized) settings.onUnauthorized = onUnauthorized;
}

async function authHeaders(extra = {}) {
  const token = await settings.token();
  return token ? { Authorization: `Bearer ${token}`, ...extra } : { ...extra };
}

async function problem(response) {
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) settings.onUnauthorized();
  return new ApiError(
    response.status,
    body.code || `http_${response.status}`,
    body.detail || body.title || `HTTP ${response.status}`,
  );
}

/** Call the API; `json` is sent as the body; answers parsed JSON (null for 204). */
export async function api(path, { method = "GET", json, headers = {}, signal } = {}) {
  const options = { method, headers: await authHeaders(headers), signal };
  if (json !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(json);
  }
  const response = await fetch(settings.base + path, options);
  if (!response.ok) throw await problem(response);
  if (response.status === 204) return null;
  return response.json();
}

/** Call the API for a binary answer (preview audio or video): a Blob. */
export async function apiBlob(path, { method = "POST", json } = {}) {
  const headers = await authHeaders(json !== undefined ? { "Content-Type": "application/json" } : {});
  const response = await fetch(settings.base + path, {
    method,
    headers,
    body: json !== undefined ? JSON.stringify(json) : undefined,
  });
  if (!response.ok) throw await problem(response);
  return response.blob();
}

/** Every page of a paged list (up to `max` items). */
export async function apiAll(path, max = 500) {
  const items = [];
  let cursor = null;
  do {
    const join = path.includes("?") ? "&" : "?";
    const page = await api(`${path}${join}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}

function xhr(method, url, body, headers, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(method, url);
    for (const [name, value] of Object.entries(headers)) request.setRequestHeader(name, value);
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    request.addEventListener("load", () => resolve(request));
    request.addEventListener("error", () => reject(new ApiError(0, "network_error", "network error")));
    request.addEventListener("abort", () => reject(new ApiError(0, "aborted", "upload cancelled")));
    request.send(body);
  });
}

function xhrProblem(request) {
  let body = {};
  try { body = JSON.parse(request.responseText); } catch { /* not JSON */ }
  if (request.status === 401) settings.onUnauthorized();
  return new ApiError(request.status, body.code || `http_${request.status}`,
    body.detail || body.title || `HTTP ${request.status}`);
}

/**
 * Upload a deck to a project, reporting progress 0..1. The API's upload ticket (a PUT URL, local
 * or presigned) is used when it answers one; otherwise the deck goes as multipart to the API.
 */
export async function uploadDeck(projectId, file, onProgress) {
  let ticket = null;
  try {
    ticket = await api(`/projects/${projectId}/deck`, { method: "POST", json: { filename: file.name } });
  } catch (error) {
    if (error.status !== 415 && error.status !== 404 && error.status !== 405) throw error;
  }
  if (ticket && ticket.upload_url) {
    const put = await xhr("PUT", ticket.upload_url, file,
      { "Content-Type": file.type || "application/octet-stream" }, onProgress);
    if (put.status < 200 || put.status >= 300) throw xhrProblem(put);
    onProgress(1);
    const completeHeaders = await authHeaders({ "Content-Type": "application/json" });
    const response = await fetch(ticket.complete_url, {
      method: "POST", headers: completeHeaders, body: JSON.stringify({ upload_id: ticket.upload_id }),
    });
    if (!response.ok) throw await problem(response);
    return response.json();
  }
  const form = new FormData();
  form.append("file", file, file.name);
  const request = await xhr("POST", `${settings.base}/projects/${projectId}/deck`, form,
    await authHeaders(), onProgress);
  if (request.status !== 200) throw xhrProblem(request);
  return JSON.parse(request.responseText);
}

const FINAL = new Set(["succeeded", "failed", "cancelled"]);

/**
 * Follow a render until it finishes: Server-Sent Events read with fetch (the Authorization
 * header travels), else polling `GET /renders/{id}` every 2 s. Returns a stop function.
 */
export function followRender(renderId, onUpdate, { pollMs = 2000, quietMs = 4000 } = {}) {
  const control = new AbortController();
  let stopped = false;
  let last = null;
  const update = (render) => {
    last = render;
    onUpdate(render);
  };
  const poll = async () => {
    while (!stopped) {
      try {
        const render = await api(`/renders/${renderId}`);
        update(render);
        if (FINAL.has(render.status)) return;
      } catch (error) {
        if (error.status === 404) return;
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  };
  const stream = async () => {
    // A buffered stream (the cloud API through Lambda) says nothing until the render ends:
    // without a first event in `quietMs`, the stream is dropped for polling.
    let heard = false;
    const quiet = setTimeout(() => { if (!heard) control.abort(); }, quietMs);
    try {
      const response = await fetch(`${settings.base}/renders/${renderId}/events`, {
        headers: await authHeaders({ Accept: "text/event-stream" }),
        signal: control.signal,
      });
      const type = response.headers.get("content-type") || "";
      if (!response.ok || !type.startsWith("text/event-stream") || !response.body) {
        clearTimeout(quiet);
        return poll();
      }
      await streamEvents(response, (event) => {
        heard = true;
        if (event.event !== "progress") return;
        try { update(JSON.parse(event.data)); } catch { /* a torn event: the next one comes */ }
      }, control.signal);
    } catch (error) {
      if (stopped) return;
    } finally {
      clearTimeout(quiet);
    }
    if (!stopped && !(last && FINAL.has(last.status))) return poll();
  };
  stream();
  return () => {
    stopped = true;
    control.abort();
  };
}
