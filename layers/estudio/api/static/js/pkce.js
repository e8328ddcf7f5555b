// Authorization code + PKCE (RFC 7636) against Cognito's hosted UI: the pure parts.
// WebCrypto only; nothing here touches the DOM or storage.

/** RFC 4648 base64url without padding. */
export function base64url(bytes) {
  let binary = "";
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A random verifier / state of `size` bytes (43+ characters for 32 bytes). */
export function randomToken(size = 32) {
  const bytes = new Uint8Array(size);
  crypto.getRandomValues(bytes);
  return base64url(bytes);
}

/** S256 challenge of a verifier. */
export async function challengeOf(verifier) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(digest);
}

export function redirectUri(auth, origin) {
  return origin.replace(/\/$/, "") + (auth.redirect_path || "/");
}

/** The hosted UI's authorize URL. */
export function authorizeUrl(auth, origin, state, challenge) {
  const query = new URLSearchParams({
    response_type: "code",
    client_id: auth.client_id,
    redirect_uri: redirectUri(auth, origin),
    scope: (auth.scopes || ["openid"]).join(" "),
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  return `${auth.domain.replace(/\/$/, "")}/oauth2/authorize?${query}`;
}

/** The form body that trades the code (and verifier) for tokens. */
export function tokenRequest(auth, origin, code, verifier) {
  return new URLSearchParams({
    grant_type: "authorization_code",
    client_id: auth.client_id,
    code,
    redirect_uri: redirectUri(auth, origin),
    code_verifier: verifier,
  });
}

export function refreshRequest(auth, refreshToken) {
  return new URLSearchParams({
    grant_type: "refresh_token",
    client_id: auth.client_id,
    refresh_token: refreshToken,
  });
}

export function logoutUrl(auth, origin) {
  const query = new URLSearchParams({
    client_id: auth.client_id,
    logout_uri: redirectUri(auth, origin),
  });
  return `${auth.domain.replace(/\/$/, "")}/logout?${query}`;
}

/** The claims of a JWT (not verified: the API verifies it; the app only reads `exp`, `email`). */
export function jwtClaims(token) {
  const part = String(token || "").split(".")[1];
  if (!part) return {};
  const padded = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
  try {
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return {};
  }
}

/** True when the token expires within `marginS` seconds of `nowS`. */
export function expiresSoon(token, nowS, marginS = 60) {
  const exp = jwtClaims(token).exp;
  return typeof exp !== "number" || exp - marginS <= nowS;
}
