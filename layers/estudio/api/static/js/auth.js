// Sign-in (contract: GET /config.json). Local: the one-time `#login=` link `estudio serve` prints,
// or a pasted API key (partners), kept in localStorage. Cognito: authorization code + PKCE against
// the hosted UI, tokens in sessionStorage; the ID token is the API's bearer.
import {
  authorizeUrl, challengeOf, expiresSoon, jwtClaims, logoutUrl, randomToken, refreshRequest,
  tokenRequest,
} from "./pkce.js";

const KEY = "estudio-key";
const TOKENS = "estudio-tokens";
const PENDING = "estudio-pkce";
const DEFAULT_CONFIG = { api: "/v1", auth: { kind: "local" } };

export async function loadConfig() {
  try {
    const response = await fetch("/config.json", { cache: "no-store" });
    if (response.ok) return { ...DEFAULT_CONFIG, ...(await response.json()) };
  } catch { /* served without a config: the local defaults */ }
  return DEFAULT_CONFIG;
}

export class Auth {
  constructor(config) {
    this.config = config;
    this.kind = (config.auth && config.auth.kind) || "local";
  }

  /** Finish whatever sign-in the URL carries (login link, authorization code). */
  async complete() {
    if (this.kind === "cognito") return this.#completeCode();
    const login = new URLSearchParams(location.hash.slice(1)).get("login");
    if (!login) return null;
    history.replaceState(null, "", location.pathname);
    const response = await fetch(`${this.config.api}/local/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: login }),
    });
    if (!response.ok) return "login_refused";
    const answer = await response.json();
    localStorage.setItem(KEY, answer.api_key);
    return null;
  }

  async #completeCode() {
    const query = new URLSearchParams(location.search);
    const code = query.get("code");
    if (!code && !query.get("error")) return null;
    const pending = JSON.parse(sessionStorage.getItem(PENDING) || "null");
    sessionStorage.removeItem(PENDING);
    history.replaceState(null, "", location.pathname + ((pending && pending.hash) || ""));
    if (!code || !pending || pending.state !== query.get("state")) return "login_refused";
    const tokens = await this.#tokenCall(tokenRequest(this.config.auth, location.origin, code, pending.verifier));
    return tokens ? null : "login_refused";
  }

  async #tokenCall(body) {
    const response = await fetch(`${this.config.auth.domain.replace(/\/$/, "")}/oauth2/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body,
    });
    if (!response.ok) return null;
    const answer = await response.json();
    const previous = this.#tokens() || {};
    const tokens = {
      id_token: answer.id_token,
      access_token: answer.access_token,
      refresh_token: answer.refresh_token || previous.refresh_token,
    };
    sessionStorage.setItem(TOKENS, JSON.stringify(tokens));
    return tokens;
  }

  #tokens() {
    return JSON.parse(sessionStorage.getItem(TOKENS) || "null");
  }

  /** The bearer for the API, or "" when signed out. */
  async token() {
    if (this.kind !== "cognito") return localStorage.getItem(KEY) || "";
    const tokens = this.#tokens();
    if (!tokens || !tokens.id_token) return "";
    if (!expiresSoon(tokens.id_token, Date.now() / 1000)) return tokens.id_token;
    if (!tokens.refresh_token) return "";
    const fresh = await this.#tokenCall(refreshRequest(this.config.auth, tokens.refresh_token));
    return (fresh && fresh.id_token) || "";
  }

  useKey(key) {
    localStorage.setItem(KEY, key.trim());
  }

  /** Who is signed in, in words (the e-mail of a Cognito user). */
  who() {
    if (this.kind !== "cognito") return "";
    const tokens = this.#tokens();
    return tokens ? jwtClaims(tokens.id_token).email || "" : "";
  }

  async signIn() {
    const verifier = randomToken(48);
    const state = randomToken(16);
    sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, hash: location.hash }));
    location.assign(authorizeUrl(this.config.auth, location.origin, state, await challengeOf(verifier)));
  }

  /** Drop credentials the API refused. */
  forget() {
    localStorage.removeItem(KEY);
    sessionStorage.removeItem(TOKENS);
  }

  signOut() {
    localStorage.removeItem(KEY);
    sessionStorage.removeItem(TOKENS);
    if (this.kind === "cognito") location.assign(logoutUrl(this.config.auth, location.origin));
  }
}
