"""Face landmarks of one image, printed as JSON: the talking photo's only use of MediaPipe.

Runs as a script under the separate face environment (``make face-env``), never imported by the
main package: MediaPipe 0.10.21 pins ``numpy<2`` and must stay out of the main environment. It
imports nothing from ``estudio``.

Usage: ``python face_landmarks_worker.py IMAGE``. One JSON object on stdout, exit status 0:

* ``{"ok": true, "width": W, "height": H, "seconds": S, "faces": [[[x, y, z], ...], ...]}`` with
  478 landmarks per face (MediaPipe face mesh with iris refinement), ``x`` and ``y`` normalised to
  the image's width and height, ``S`` the inference time;
* ``{"ok": false, "kind": "tool" | "image", "error": "one line"}`` when MediaPipe is missing
  (``tool``) or the image cannot be read (``image``).

Up to ``MAX_FACES`` faces are reported so that the caller can refuse photos with several.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

MAX_FACES = 4
MIN_CONFIDENCE = 0.5


def _fail(kind: str, error: str) -> int:
    print(json.dumps({"ok": False, "kind": kind, "error": error}))
    return 0


def landmarks(path: str) -> dict[str, Any]:
    """The JSON answer for the image at ``path`` (raises ``ImportError`` without MediaPipe)."""
    import cv2
    import mediapipe as mp

    bgr = cv2.imread(path, cv2.IMREAD_COLOR)
    if bgr is None:
        return {"ok": False, "kind": "image", "error": "the image cannot be read"}
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    height, width = rgb.shape[:2]
    with mp.solutions.face_mesh.FaceMesh(
        static_image_mode=True,
        max_num_faces=MAX_FACES,
        refine_landmarks=True,
        min_detection_confidence=MIN_CONFIDENCE,
    ) as mesh:
        started = time.perf_counter()
        result = mesh.process(rgb)
        seconds = time.perf_counter() - started
    faces = [
        [[round(p.x, 6), round(p.y, 6), round(p.z, 6)] for p in face.landmark]
        for face in (result.multi_face_landmarks or [])
    ]
    return {
        "ok": True,
        "width": width,
        "height": height,
        "seconds": round(seconds, 4),
        "faces": faces,
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        return _fail("usage", "usage: face_landmarks_worker.py IMAGE")
    try:
        answer = landmarks(argv[1])
    except ImportError as e:
        return _fail("tool", f"MediaPipe is not importable here: {e}")
    print(json.dumps(answer, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
