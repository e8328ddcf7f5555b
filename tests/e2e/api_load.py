"""API latency under concurrent load on loopback while a render runs (a measurement, not a test).

    python tests/e2e/api_load.py [--concurrency 16] [--seconds 20] [--slides 12]

Starts ``estudio serve`` in a temp folder, starts a render of a generated deck, then hammers
``GET /v1/renders/{id}`` and ``GET /v1/projects`` from ``concurrency`` asyncio clients and prints
p50/p95/p99 latency and whether the render was running throughout.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.e2e.serve_process import start_server
from tests.integration.api.conftest import make_deck


async def _client_loop(
    client: httpx.AsyncClient,
    paths: list[str],
    until: float,
    samples: list[float],
    errors: list[int],
) -> None:
    i = 0
    while time.perf_counter() < until:
        started = time.perf_counter()
        response = await client.get(paths[i % len(paths)])
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code >= 400:
            errors.append(response.status_code)
        i += 1


async def _load(
    url: str, key: str, paths: list[str], concurrency: int, seconds: float
) -> tuple[list[float], list[int]]:
    samples: list[float] = []
    errors: list[int] = []
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {key}"}, limits=limits, timeout=30
    ) as client:
        until = time.perf_counter() + seconds
        await asyncio.gather(
            *[_client_loop(client, paths, until, samples, errors) for _ in range(concurrency)]
        )
    return samples, errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--slides", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="estudio-load-") as folder:
        server = start_server(Path(folder) / "data")
        try:
            client = server.client()
            slides = [
                (f"Parte {i}", f"Esta é a parte {i} do treinamento de segurança.")
                for i in range(args.slides)
            ]
            project = client.post("/v1/projects", json={"name": "load"}).json()
            client.post(
                f"/v1/projects/{project['id']}/deck",
                files={"file": ("load.pptx", make_deck(slides))},
            ).raise_for_status()
            render = client.post(f"/v1/projects/{project['id']}/renders", json={}).json()
            while client.get(f"/v1/renders/{render['id']}").json()["status"] == "queued":
                time.sleep(0.1)
            paths = [f"/v1/renders/{render['id']}", "/v1/projects?limit=20"]
            samples, errors = asyncio.run(
                _load(server.url, server.key, paths, args.concurrency, args.seconds)
            )
            after = client.get(f"/v1/renders/{render['id']}").json()
        finally:
            server.stop()
    cuts = statistics.quantiles(samples, n=100)
    print(
        f"requests={len(samples)} errors={len(errors)} concurrency={args.concurrency} "
        f"seconds={args.seconds} rps={len(samples) / args.seconds:.0f}"
    )
    print(
        f"p50={cuts[49]:.1f}ms p95={cuts[94]:.1f}ms p99={cuts[98]:.1f}ms max={max(samples):.1f}ms"
    )
    print(
        f"render after load: status={after['status']} stage={after['stage']} "
        f"progress={after['progress']}"
    )


if __name__ == "__main__":
    main()
