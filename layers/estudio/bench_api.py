"""``make bench``, the loaded-latency line: the API's latency while a 60-slide render runs.

A real ``estudio serve`` (its own process and render worker, a fresh data folder) renders a
generated 60-slide 1080p deck. Once the render is running, ``clients`` loopback clients poll —
each one request every ``interval_s``, alternating ``GET /v1/renders/{id}`` and
``GET /v1/projects`` — for ``seconds``; then the render's status is read again: it must still be
running, or the window was not fully under load and the line says so. The same render without the
clients, on a second fresh server, is the baseline for the render's own slowdown.

Goal (issue 10): p95 < 50 ms on the 2-core development machine, the render ≤ 10 % slower.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

CLIENTS = 16
WINDOW_S = 15.0
INTERVAL_S = 0.25
SLIDES = 60


@dataclass
class LoadResult:
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    render_running_at_end: bool
    loaded_render_s: float
    baseline_render_s: float

    @property
    def render_slowdown(self) -> float:
        return self.loaded_render_s / self.baseline_render_s - 1.0


class _Server:
    def __init__(self, data: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.data = data
        self.log = (data.parent / f"serve-{self.port}.log").open("wb")
        argv = [sys.executable, "-m", "estudio.cli", "serve", "--data", str(data)]
        argv += ["--port", str(self.port)]
        self.process = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"estudio serve exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            self.close()
            raise RuntimeError("estudio serve did not start")
        key = (data / "local-api-key").read_text().strip()
        self.client = httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {key}"}, timeout=60
        )
        self.key = key

    def start_render(self, deck: Path) -> str:
        project = self.client.post("/v1/projects", json={"name": "bench"}).json()
        with deck.open("rb") as handle:
            self.client.post(
                f"/v1/projects/{project['id']}/deck", files={"file": (deck.name, handle)}
            ).raise_for_status()
        render = self.client.post(f"/v1/projects/{project['id']}/renders", json={}).json()
        return str(render["id"])

    def status(self, render_id: str) -> str:
        return str(self.client.get(f"/v1/renders/{render_id}").json()["status"])

    def wait(self, render_id: str, want: set[str], timeout_s: float = 900) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            status = self.status(render_id)
            if status in want:
                return status
            time.sleep(0.1)
        raise TimeoutError(f"render {render_id} still not {want}")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()


async def _poll(
    url: str, key: str, paths: list[str], clients: int, seconds: float, interval_s: float
) -> tuple[list[float], int]:
    samples: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {key}"}, limits=limits, timeout=30
    ) as client:
        until = time.perf_counter() + seconds

        async def one(offset: int) -> None:
            nonlocal errors
            await asyncio.sleep(interval_s * offset / clients)  # spread the clients out
            i = offset
            while time.perf_counter() < until:
                started = time.perf_counter()
                response = await client.get(paths[i % len(paths)])
                spent = time.perf_counter() - started
                samples.append(spent * 1000)
                errors += response.status_code >= 400
                i += 1
                await asyncio.sleep(max(0.0, interval_s - spent))

        await asyncio.gather(*[one(n) for n in range(clients)])
    return samples, errors


def _quantile(values: list[float], q: int) -> float:
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 1)


@dataclass
class _Polled:
    samples: list[float]
    errors: int
    running_at_end: bool


def _timed_render(
    work: Path, name: str, deck: Path, load: tuple[int, float, float] | None
) -> tuple[float, _Polled | None]:
    """Render ``deck`` on a fresh server; with ``load`` (clients, seconds, interval), poll it
    meanwhile. Returns the render's wall time (upload to done) and what the polling saw."""
    server = _Server(work / name)
    try:
        started = time.perf_counter()
        render_id = server.start_render(deck)
        server.wait(render_id, {"running", "succeeded", "failed"})
        polled = None
        if load is not None:
            clients, seconds, interval_s = load
            paths = [f"/v1/renders/{render_id}", "/v1/projects"]
            samples, errors = asyncio.run(
                _poll(server.url, server.key, paths, clients, seconds, interval_s)
            )
            polled = _Polled(samples, errors, server.status(render_id) == "running")
        final = server.wait(render_id, {"succeeded", "failed", "cancelled"})
        if final != "succeeded":
            raise RuntimeError(f"the bench render {final}")
        return time.perf_counter() - started, polled
    finally:
        server.close()


def bench_loaded_api(
    clients: int = CLIENTS,
    seconds: float = WINDOW_S,
    interval_s: float = INTERVAL_S,
    slides: int = SLIDES,
) -> LoadResult:
    from estudio.deck.samples import make_benchmark_deck

    with tempfile.TemporaryDirectory(prefix="estudio-bench-api-") as folder:
        work = Path(folder)
        deck = make_benchmark_deck(work / f"bench-{slides}.pptx", slides)
        baseline, _ = _timed_render(work, "baseline", deck, None)
        loaded, polled = _timed_render(work, "loaded", deck, (clients, seconds, interval_s))
    assert polled is not None
    samples = polled.samples
    return LoadResult(
        requests=len(samples),
        errors=polled.errors,
        p50_ms=_quantile(samples, 50),
        p95_ms=_quantile(samples, 95),
        p99_ms=_quantile(samples, 99),
        max_ms=round(max(samples), 1),
        render_running_at_end=polled.running_at_end,
        loaded_render_s=round(loaded, 2),
        baseline_render_s=round(baseline, 2),
    )


def describe(result: LoadResult, clients: int = CLIENTS, seconds: float = WINDOW_S) -> str:
    window = (
        "render running all along"
        if result.render_running_at_end
        else ("RENDER FINISHED BEFORE THE WINDOW ENDED: not a loaded measurement")
    )
    return (
        f"API under a {SLIDES}-slide render, {clients} loopback clients polling "
        f"for {seconds:.0f} s "
        f"({result.requests} requests, {result.errors} errors, {window}): "
        f"p50 {result.p50_ms} ms, p95 {result.p95_ms} ms, p99 {result.p99_ms} ms "
        f"(max {result.max_ms} ms); render {result.loaded_render_s} s under load vs "
        f"{result.baseline_render_s} s alone ({result.render_slowdown:+.1%})"
    )


def main() -> int:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    print(describe(bench_loaded_api()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
