"""Start ``estudio serve`` as a real subprocess on a free loopback port (shared by e2e tests)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

LAUNCH = (
    "import sys; from pathlib import Path; from estudio.serve import serve; "
    "from estudio.settings import Settings; "
    "drop = Path(sys.argv[3]) if sys.argv[3] else None; "
    "serve(Settings(data=Path(sys.argv[1]), workers=2), host='127.0.0.1', port=int(sys.argv[2]), "
    "dropbox=drop, allow_private_webhooks=True)"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    url: str
    data: Path
    log: Path

    @property
    def key(self) -> str:
        return (self.data / "local-api-key").read_text().strip()

    def login_url(self) -> str:
        """The one-time sign-in link ``estudio serve`` printed."""
        for line in self.log.read_text(encoding="utf-8").splitlines():
            if "#login=" in line:
                return str(line.split("abra ", 1)[1].split(" ", 1)[0])
        raise AssertionError("serve printed no login link")

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.key}"}, timeout=30
        )

    def kill(self) -> None:
        """SIGKILL the whole server (API process; its worker dies with it)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


def start_server(data: Path, dropbox: Path | None = None, timeout_s: float = 60) -> Served:
    port = free_port()
    log = data.parent / f"serve-{port}.log"
    env = {**os.environ, "POWERTOOLS_LOG_LEVEL": "INFO"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", LAUNCH, str(data), str(port), str(dropbox or "")],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    served = Served(process, f"http://127.0.0.1:{port}", data, log)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"serve exited: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{served.url}/v1/health", timeout=1).status_code == 200:
                return served
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    served.kill()
    raise RuntimeError(f"serve did not start: {log.read_text()[-3000:]}")


def wait_for(client: httpx.Client, render_id: str, done: set[str], timeout_s: float) -> dict:
    deadline = time.monotonic() + timeout_s
    seen: list[int] = []
    while time.monotonic() < deadline:
        render = client.get(f"/v1/renders/{render_id}").json()
        seen.append(render["progress"])
        if render["status"] in done:
            render["_progress_seen"] = seen
            return render
        time.sleep(0.3)
    raise TimeoutError(f"render {render_id} still {render['status']} after {timeout_s}s")
