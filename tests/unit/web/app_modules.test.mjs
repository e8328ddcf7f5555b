// The studio app's pure modules, run by `node --test` (tests/unit/web/test_app_modules.py).
import assert from "node:assert/strict";
import { test } from "node:test";

const STATIC = new URL("../../../layers/estudio/api/static/js/", import.meta.url);
const load = (name) => import(new URL(name, STATIC));

test("given a script when estimated then words, sentence ends and written pauses count", async () => {
  const { estimateSeconds, countWords } = await load("speech.js");
  assert.equal(estimateSeconds(Array(20).fill("palavra").join(" ")), 7); // 20 x 0.35 s
  assert.equal(estimateSeconds("Olá! Bem-vindos ao treinamento. [pausa] Vamos lá."), 5.9);
  assert.equal(estimateSeconds("Um.\n\nDois: três; quatro [pausa 2s] cinco"), 6.8);
  assert.equal(estimateSeconds("[pausa 3s]"), 3);
  assert.equal(estimateSeconds("   "), 0);
  assert.equal(countWords("Use os EPIs — luvas, capacete; 13,8 kV."), 8);
  const { roundTenth } = await load("speech.js");
  assert.deepEqual([6.35, 0.25, 0.35, 19.25, 2.675, -1.25].map(roundTenth), [6.3, 0.2, 0.3, 19.2, 2.7, -1.2]);
});

test("given an event stream in pieces when parsed then whole events come out in order", async () => {
  const { parseEvents } = await load("sse.js");
  const first = parseEvents('event: progress\ndata: {"progress": 10}\n\nevent: progress\ndata: {"pro');
  assert.deepEqual(first.events, [{ event: "progress", data: '{"progress": 10}', id: null }]);
  const second = parseEvents(`${first.rest}gress": 20}\r\n\r\n: keep-alive\n\n`);
  assert.deepEqual(second.events.map((e) => JSON.parse(e.data).progress), [20]);
  assert.equal(second.rest, "");
  const multi = parseEvents("data: a\ndata: b\nid: 7\n\n");
  assert.deepEqual(multi.events, [{ event: "message", data: "a\nb", id: "7" }]);
});

test("given the cognito config when signing in then the authorize URL carries PKCE S256", async () => {
  const { authorizeUrl, challengeOf, tokenRequest, logoutUrl, base64url } = await load("pkce.js");
  // RFC 7636 appendix B.
  assert.equal(await challengeOf("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  assert.equal(base64url(new Uint8Array([251, 255])), "-_8");
  const auth = { kind: "cognito", domain: "https://estudio.auth.sa-east-1.amazoncognito.com/",
    client_id: "abc123", redirect_path: "/", scopes: ["openid", "email", "profile"] };
  const url = new URL(authorizeUrl(auth, "https://studio.example", "st4te", "ch4ll"));
  assert.equal(url.origin + url.pathname, "https://estudio.auth.sa-east-1.amazoncognito.com/oauth2/authorize");
  assert.equal(url.searchParams.get("response_type"), "code");
  assert.equal(url.searchParams.get("redirect_uri"), "https://studio.example/");
  assert.equal(url.searchParams.get("scope"), "openid email profile");
  assert.equal(url.searchParams.get("code_challenge_method"), "S256");
  assert.equal(url.searchParams.get("state"), "st4te");
  const body = tokenRequest(auth, "https://studio.example", "c0de", "v3rifier");
  assert.equal(body.get("grant_type"), "authorization_code");
  assert.equal(body.get("code_verifier"), "v3rifier");
  assert.match(logoutUrl(auth, "https://studio.example"), /\/logout\?client_id=abc123&logout_uri=https%3A%2F%2Fstudio\.example%2F$/);
});

test("given a JWT when read then its expiry decides whether it is renewed", async () => {
  const { jwtClaims, expiresSoon, randomToken } = await load("pkce.js");
  const payload = Buffer.from(JSON.stringify({ exp: 1000, email: "ana@empresa.com.br" })).toString("base64url");
  const token = `eyJhbGciOiJSUzI1NiJ9.${payload}.sig`;
  assert.equal(jwtClaims(token).email, "ana@empresa.com.br");
  assert.equal(expiresSoon(token, 900), false);
  assert.equal(expiresSoon(token, 950), true); // inside the minute of margin
  assert.equal(expiresSoon("not-a-jwt", 0), true);
  assert.ok(randomToken(32).length >= 43 && randomToken() !== randomToken());
});

test("given a manifest when chapters are asked then its own, else one per titled scene", async () => {
  const { chaptersOf, chaptersVtt, captionTracks } = await load("media.js");
  const scenes = [
    { title: "Abertura", start_s: 0 }, { title: "Abertura", start_s: 4 }, { title: "EPI", start_s: 9.5 },
  ];
  assert.deepEqual(chaptersOf({ scenes }), [{ title: "Abertura", start_s: 0 }, { title: "EPI", start_s: 9.5 }]);
  assert.deepEqual(chaptersOf({ chapters: [{ title: "Tudo", start_s: 0 }], scenes }), [{ title: "Tudo", start_s: 0 }]);
  const vtt = chaptersVtt(chaptersOf({ scenes }), 75.25);
  assert.equal(vtt, "WEBVTT\n\n1\n00:00:00.000 --> 00:00:09.500\nAbertura\n\n2\n00:00:09.500 --> 00:01:15.250\nEPI\n");
  const tracks = captionTracks([{ name: "video.mp4", url: "/v" }, { name: "subtitles.en.vtt", url: "/e" },
    { name: "subtitles.vtt", url: "/p" }, { name: "subtitles.srt", url: "/s" }], "pt-BR");
  assert.deepEqual(tracks.map((t) => [t.url, t.language]), [["/p", "pt-BR"], ["/e", "en"]]);
});

test("given a running render when told in words then the stage and its count show", async () => {
  const { renderWords } = await load("stages.js");
  assert.equal(renderWords({ status: "running", stage: "speak", step: { stage: "speak", done: 12, total: 40 } }),
    "Gerando narração 12/40");
  assert.equal(renderWords({ status: "running", stage: "mystery" }), "Em andamento");
  assert.equal(renderWords({ status: "failed", error: { code: "x", message: "sem voz" } }), "Falhou: sem voz");
  assert.equal(renderWords({ status: "succeeded", stage: "done" }), "Pronto");
});

test("given both languages then they carry the same keys and placeholders", async () => {
  const pt = (await load("lang/pt-BR.js")).default;
  const en = (await load("lang/en.js")).default;
  assert.deepEqual(Object.keys(en).sort(), Object.keys(pt).sort());
  const holes = (text) => (text.match(/\{[a-z_]+\}/g) || []).sort();
  for (const key of Object.keys(pt)) assert.deepEqual(holes(en[key]), holes(pt[key]), key);
});
