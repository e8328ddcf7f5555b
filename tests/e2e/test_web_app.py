"""Focused checks of the studio app in headless Chromium against a real ``estudio serve``: the
project list (rename, delete, the language switch), the scene cards (hide, reorder by keyboard,
the duration estimate), the partner pages (keys, webhooks and their delivery log) and the
Cognito sign-in (authorization code + PKCE) as the browser performs it."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from tests.e2e.serve_process import Served
from tests.e2e.web_studio import browser, open_studio, shared_served  # noqa: F401  (fixtures)
from tests.integration.api.conftest import SMALL_DECK, make_deck

pytestmark = [pytest.mark.browser]


@pytest.fixture
def served(shared_served: Served) -> Served:  # noqa: F811
    return shared_served


def _project_with_deck(served: Served, name: str) -> str:
    with served.client() as client:
        project = client.post("/v1/projects", json={"name": name}).json()
        files = {"file": ("treino.pptx", make_deck(SMALL_DECK))}
        answer = client.post(f"/v1/projects/{project['id']}/deck", files=files)
        assert answer.status_code == 200, answer.text
    return str(project["id"])


def test_given_projects_when_renamed_deleted_and_read_in_english_then_the_list_follows(
    served: Served,
    browser: Any,  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    with served.client() as client:
        client.post("/v1/projects", json={"name": "Antigo"})
        time.sleep(0.01)
        client.post("/v1/projects", json={"name": "Integração de novos colaboradores"})
    studio = open_studio(browser, served, 375, 800)
    page = studio.page
    config = httpx.get(f"{served.url}/config.json").json()
    assert config == {"api": "/v1", "auth": {"kind": "local"}}  # how the app signs in here
    page.goto(served.url + "/")
    expect(page.get_by_role("heading", name="Entrar")).to_be_visible()
    assert studio.serious_violations() == []  # the sign-in page too
    studio.sign_in_with_key()
    names = page.locator("li.project .project-name")
    newest = page.locator("li.project").first
    expect(newest.locator(".project-name")).to_have_text("Integração de novos colaboradores")
    expect(newest.locator(".badge")).to_have_text("Último vídeo: nenhum")
    expect(page.locator("li.project").nth(1).locator(".project-name")).to_have_text("Antigo")
    before = names.count()

    page.get_by_role("button", name="Renomear Antigo").click()
    page.get_by_label("Novo nome do projeto").fill("Reciclagem NR-10")
    page.keyboard.press("Enter")
    expect(page.locator("li.project").nth(1).locator(".project-name")).to_have_text(
        "Reciclagem NR-10"
    )

    page.get_by_role("button", name="Excluir Reciclagem NR-10").click()
    page.locator("dialog.confirm").get_by_role("button", name="Cancelar").click()
    expect(names).to_have_count(before)
    page.get_by_role("button", name="Excluir Reciclagem NR-10").click()
    page.locator("dialog.confirm").get_by_role("button", name="Excluir").click()
    expect(names).to_have_count(before - 1)
    with served.client() as client:
        left = [p["name"] for p in client.get("/v1/projects").json()["items"]]
    assert "Reciclagem NR-10" not in left and "Antigo" not in left
    assert "Integração de novos colaboradores" in left

    # The tenant's glossary: a term heard as it will be said, then saved.
    page.get_by_role("link", name="Glossário").click()
    page.get_by_role("button", name="Adicionar termo").click()
    page.get_by_label("Termo 1", exact=True).fill("NR-10")
    page.get_by_label("Como falar o termo 1").fill("ene erre dez")
    page.get_by_role("button", name="Ouvir o termo 1").click()
    heard = page.locator(".glossary-player audio")
    expect(heard).to_have_count(1, timeout=20_000)
    page.wait_for_function(
        "a => a.readyState >= 1 && a.duration > 0.3", arg=heard.element_handle(), timeout=15_000
    )
    page.get_by_role("button", name="Salvar").click()
    expect(page.locator("form.glossary .saved")).to_have_text("Glossário salvo.")
    with served.client() as client:
        entries = client.get("/v1/glossary").json()["entries"]
    assert [(e["term"], e["spoken"]) for e in entries] == [("NR-10", "ene erre dez")]
    page.get_by_role("link", name="Projetos").click()

    page.get_by_label("Idioma").select_option("en")
    expect(page.locator("h1")).to_have_text("Projects")
    assert page.evaluate("document.documentElement.lang") == "en"
    page.reload()
    expect(page.get_by_role("button", name="Create project")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert studio.serious_violations() == []
    assert studio.errors == []


def test_given_scene_cards_when_hidden_and_moved_by_keyboard_then_the_api_holds_it(
    served: Served,
    browser: Any,  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    studio = open_studio(browser, served)
    page = studio.page
    studio.sign_in_with_key()
    # Drop a deck on the project list: a project named after the file, with its scenes.
    deck = base64.b64encode(make_deck(SMALL_DECK)).decode()
    page.locator("#projects-drop").evaluate(
        """(zone, data) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], "ordem-das-cenas.pptx"));
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true}));
        }""",
        deck,
    )
    expect(page.locator("#project-title")).to_have_text("ordem-das-cenas", timeout=20_000)
    cards = page.locator("#scenes li.scene")
    expect(cards).to_have_count(2, timeout=60_000)
    project_id = page.evaluate("() => location.hash.split('/').pop()")
    expect(cards.first.locator("h3")).to_contain_text("Cena 1 · Boas-vindas")

    # The estimate while typing is the API's once saved.
    text = "Bem-vindos! Hoje: crachá, EPI e rotas de fuga. [pausa] Vamos começar."
    cards.first.locator("textarea").fill(text)
    cards.first.locator("textarea").blur()
    expect(cards.first.locator(".saved")).to_have_text("salvo (editado)")
    with served.client() as client:
        scene = client.get(f"/v1/projects/{project_id}/scenes").json()[0]
    spoken = round(scene["duration_estimate_s"])
    expect(cards.first.locator(".count")).to_have_text(
        f"{len(text)} caracteres · cerca de {spoken} s falados"
    )

    # Hide the second scene; move the first down with Alt+↓ from its script.
    cards.nth(1).get_by_role("button", name="Ocultar").click()
    expect(cards.nth(1)).to_have_class("scene is-hidden")
    cards.first.locator("textarea").focus()
    page.keyboard.press("Alt+ArrowDown")
    expect(cards.first.locator("h3")).to_contain_text("Cena 1 · Regras")
    assert page.evaluate("document.activeElement.closest('li.scene').dataset.index") == "0"
    with served.client() as client:
        scenes = sorted(client.get(f"/v1/projects/{project_id}/scenes").json(), key=_position)
    assert [(s["index"], s["position"], s["hidden"]) for s in scenes] == [  # by position
        (1, 0, True),
        (0, 1, False),
    ]
    page.get_by_role("button", name="Subir: Boas-vindas").click()
    expect(cards.first.locator("h3")).to_contain_text("Cena 1 · Boas-vindas")

    # A render followed live over Server-Sent Events, then cancelled.
    streams: list[str] = []
    page.on("request", lambda r: streams.append(r.url) if r.url.endswith("/events") else None)
    page.click("#render")
    page.locator("#cancel-render").click(timeout=20_000)
    expect(page.locator("#render-status")).to_contain_text("Cancelado", timeout=20_000)
    expect(page.locator("#history li").first).to_contain_text("Cancelado")
    assert streams, "the progress was not read from the event stream"
    assert studio.serious_violations() == []
    assert studio.errors == []


def _position(scene: dict[str, Any]) -> int:
    return int(scene["position"])


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        self.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    _Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


def test_given_the_partner_page_when_keys_and_webhooks_are_managed_then_they_work(
    served: Served,
    browser: Any,  # noqa: F811
    receiver: str,
) -> None:
    from playwright.sync_api import expect

    studio = open_studio(browser, served)
    page = studio.page
    studio.sign_in_with_key()
    page.get_by_role("link", name="Integrações").click()

    # A key: shown once, listed by its label, works, and stops working when revoked.
    page.get_by_label("Nome da chave").fill("LMS da empresa")
    page.get_by_role("button", name="Criar chave").click()
    secret = page.locator(".secret-box input").input_value()
    assert secret.startswith("est_")
    assert httpx.get(
        f"{served.url}/v1/projects", headers={"Authorization": f"Bearer {secret}"}
    ).is_success
    row = page.locator("tr", has_text="LMS da empresa")
    row.get_by_role("button", name="Revogar a chave LMS da empresa").click()
    page.locator("dialog.confirm").get_by_role("button", name="Revogar").click()
    expect(row).to_contain_text("revogada")
    assert (
        httpx.get(
            f"{served.url}/v1/projects", headers={"Authorization": f"Bearer {secret}"}
        ).status_code
        == 401
    )

    # A webhook: subscribed, an event delivered to it shows in the log and can be sent again.
    page.get_by_label("Endereço (URL)").fill(receiver)
    page.get_by_role("button", name="Assinar").click()
    expect(page.locator(".secret-box").nth(1)).to_contain_text("Segredo de assinatura")
    _project_with_deck(served, "Evento")
    deadline = time.monotonic() + 20
    while not _Receiver.received and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [e["type"] for e in _Receiver.received] == ["deck.parsed"]
    hook = page.locator("li.hook", has_text=receiver)
    hook.get_by_role("button", name="Entregas").click()
    expect(hook.locator("table.deliveries tbody tr")).to_have_count(1)
    expect(hook.locator("tbody tr").first).to_contain_text("entregue")
    hook.get_by_role("button", name="Reenviar").click()
    expect(hook.locator("tbody tr")).to_have_count(2, timeout=15_000)
    deadline = time.monotonic() + 20
    while len(_Receiver.received) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(_Receiver.received) == 2
    assert studio.serious_violations() == []
    assert studio.errors == []


def _jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'kid': 'k'})}.{part(claims)}.c2lnbmF0dXJl"


def test_given_cognito_config_when_a_person_signs_in_then_pkce_runs_and_the_id_token_is_sent(
    served: Served,
    browser: Any,  # noqa: F811
) -> None:
    """The hosted UI is not here: the test answers its two endpoints as Cognito documents them
    and checks what the app sends (the API is local, so its calls are re-signed with the local
    key once the ID token was seen on them)."""
    from playwright.sync_api import expect

    domain = "https://estudio-test.auth.sa-east-1.amazoncognito.com"
    config = {
        "api": "/v1",
        "auth": {"kind": "cognito", "domain": domain, "client_id": "app-client-1",
                 "redirect_path": "/", "scopes": ["openid", "email", "profile"]},
    }  # fmt: skip
    id_token = _jwt({"email": "ana@empresa.com.br", "exp": int(time.time()) + 3600})
    seen: dict[str, Any] = {"bearers": set()}
    # The site's CSP in the cloud allows the Cognito domain; this local page's does not.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def hosted_ui(route: Any) -> None:
        url = urlparse(route.request.url)
        query = parse_qs(url.query)
        if url.path == "/oauth2/authorize":
            seen["authorize"] = query
            back = f"{served.url}/?code=c0de-123&state={query['state'][0]}"
            route.fulfill(status=302, headers={"Location": back})
        elif url.path == "/oauth2/token":
            seen["token"] = parse_qs(route.request.post_data or "")
            route.fulfill(
                status=200,
                headers={"Access-Control-Allow-Origin": served.url},
                json={"id_token": id_token, "access_token": "a", "refresh_token": "r",
                      "expires_in": 3600, "token_type": "Bearer"},
            )  # fmt: skip
        elif url.path == "/logout":
            seen["logout"] = query
            route.fulfill(status=302, headers={"Location": f"{served.url}/"})
        else:
            route.abort()

    def api(route: Any) -> None:
        if route.request.resource_type in ("fetch", "xhr"):  # not the signed image links
            seen["bearers"].add(route.request.headers.get("authorization"))
        headers = {**route.request.headers, "authorization": f"Bearer {served.key}"}
        route.continue_(headers=headers)

    page.route("**/config.json", lambda route: route.fulfill(json=config))
    page.route(f"{domain}/**", hosted_ui)
    page.route(f"{served.url}/v1/**", api)

    page.goto(served.url + "/")
    page.get_by_role("button", name="Entrar").click()
    expect(page.locator("#new-project")).to_be_visible(timeout=15_000)
    authorize = seen["authorize"]
    assert authorize["response_type"] == ["code"]
    assert authorize["client_id"] == ["app-client-1"]
    assert authorize["redirect_uri"] == [f"{served.url}/"]
    assert authorize["scope"] == ["openid email profile"]
    assert authorize["code_challenge_method"] == ["S256"]
    token = seen["token"]
    assert token["grant_type"] == ["authorization_code"]
    assert token["code"] == ["c0de-123"]
    verifier = token["code_verifier"][0]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    assert authorize["code_challenge"] == [challenge.rstrip(b"=").decode()]
    assert "code=" not in page.url  # the code left the address bar
    assert seen["bearers"] == {f"Bearer {id_token}"}
    expect(page.locator(".who")).to_have_text("ana@empresa.com.br")
    assert page.evaluate("localStorage.getItem('estudio-key')") is None

    page.get_by_role("button", name="Sair").click()
    expect(page.get_by_role("button", name="Entrar")).to_be_visible(timeout=15_000)
    assert seen["logout"]["client_id"] == ["app-client-1"]
    assert page.evaluate("sessionStorage.getItem('estudio-tokens')") is None
    assert errors == []
    context.close()
