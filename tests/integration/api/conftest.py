"""Fixtures for the API tests: real SQLite and folder stores, real decks made with python-pptx."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pptx import Presentation

from estudio.adapters.local import FolderBlobStore, SqliteItemStore
from estudio.api import create_app, create_key
from estudio.api.urls import UrlSigner
from estudio.settings import Settings

CORPUS = Path(__file__).parents[3] / ".." / "shared" / "corpus"


def make_deck(slides: list[tuple[str, str]]) -> bytes:
    """A small real .pptx: one slide per (title, notes)."""
    prs = Presentation()
    for title, notes in slides:
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = f"Tópico: {title}"
        slide.notes_slide.notes_text_frame.text = notes
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()


SMALL_DECK = [
    ("Boas-vindas", "Olá! Este é um treinamento curto sobre segurança."),
    ("Regras", "Use sempre o crachá e os equipamentos de proteção."),
]


@dataclass
class Env:
    app: FastAPI
    items: SqliteItemStore
    blobs: FolderBlobStore
    root: Path

    def client(self, tenant: str) -> TestClient:
        key = create_key(self.items, tenant)
        client = TestClient(self.app)
        client.headers["Authorization"] = f"Bearer {key}"
        return client


@pytest.fixture
def deck_bytes() -> bytes:
    return make_deck(SMALL_DECK)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    items = SqliteItemStore(tmp_path / "state.sqlite3")
    blobs = FolderBlobStore(tmp_path / "blobs")
    app = create_app(
        items,
        blobs,
        settings=Settings(data=tmp_path),
        signer=UrlSigner(b"k" * 32),
        allow_private_webhooks=True,
    )
    yield Env(app, items, blobs, tmp_path)
    app.state.services.webhooks.stop()


def new_project_with_deck(client: TestClient, deck: bytes, name: str = "Treino") -> dict:
    project = client.post("/v1/projects", json={"name": name}).json()
    response = client.post(
        f"/v1/projects/{project['id']}/deck",
        files={"file": ("treino.pptx", deck, "application/octet-stream")},
    )
    assert response.status_code == 200, response.text
    return response.json()


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


class Receiver:
    """A real HTTP endpoint on 127.0.0.1 that records what it receives and answers ``status``."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.received: list[Received] = []
        self.statuses: list[int] = []  # answers to give, in order; then 200
        self.event = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                outer.received.append(Received({k: v for k, v in self.headers.items()}, body))
                status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                outer.event.set()

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    endpoint = Receiver()
    yield endpoint
    endpoint.close()
