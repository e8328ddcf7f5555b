"""The face mesh of the talking photo: which landmark is which, the worker's answer, the checks.

``face_landmarks_worker.py`` (MediaPipe face mesh, 478 points) answers with every face it found;
``Landmarks`` holds that answer in pixels of the working photo, and ``check_face`` accepts exactly
one face that is big enough, inside the picture, roughly frontal and upright, mouth closed, or
raises ``InvalidPhoto`` with a one-line reason. Pure: no I/O (``photo_source`` runs the worker).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from estudio.errors import InvalidPhoto, RenderError

# Refusal thresholds
MIN_FACE_PX = 120  # forehead-to-chin height in the working photo
MAX_ROLL_DEG = 15.0  # eye line tilt
MAX_YAW = 0.3  # nose offset from the cheeks' midpoint, share of the half face width
MAX_LIP_GAP = 0.12  # inner lip gap, share of the mouth width
EDGE_TOLERANCE = 0.02  # how far outside the picture a face point may be guessed

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]


class LM:
    """MediaPipe face-mesh indices the rig reads."""

    FOREHEAD = 10
    CHIN = 152
    CHEEK_L = 234  # left in the picture
    CHEEK_R = 454
    NOSE_TIP = 1
    SUBNASAL = 2
    MOUTH_L = 61
    MOUTH_R = 291
    LIP_TOP = 0  # upper lip, outer edge
    LIP_UPPER_INNER = 13
    LIP_LOWER_INNER = 14
    LIP_BOTTOM = 17  # lower lip, outer edge
    EYE_L_OUTER = 33
    EYE_L_INNER = 133
    EYE_L_UPPER = 159
    EYE_L_LOWER = 145
    BROW_L = 105
    EYE_R_INNER = 362
    EYE_R_OUTER = 263
    EYE_R_UPPER = 386
    EYE_R_LOWER = 374
    BROW_R = 334
    COUNT = 478


@dataclass(frozen=True)
class Landmarks:
    """The worker's answer for one photo: every face found, in pixels of the working photo."""

    width: int
    height: int
    faces: tuple[F64, ...]  # each (478, 2): x, y in pixels
    seconds: float = 0.0  # inference time inside the worker

    @classmethod
    def from_answer(cls, answer: dict[str, Any]) -> Landmarks:
        width, height = int(answer["width"]), int(answer["height"])
        faces = []
        for face in answer["faces"]:
            pts = np.asarray(face, dtype=np.float64)[:, :2] * (width, height)
            if pts.shape != (LM.COUNT, 2):
                raise RenderError(f"face landmarks have shape {pts.shape}, expected (478, 2)")
            faces.append(pts)
        return cls(width, height, tuple(faces), float(answer.get("seconds", 0.0)))


def distance(a: F64, b: F64) -> float:
    """Euclidean distance between two points."""
    return float(np.hypot(*(a - b)))


def check_face(landmarks: Landmarks) -> F64:
    """The one usable face's points; ``InvalidPhoto`` with the reason otherwise."""
    if not landmarks.faces:
        raise InvalidPhoto("no face found in the photo; use a frontal portrait")
    if len(landmarks.faces) > 1:
        raise InvalidPhoto(
            f"the photo shows {len(landmarks.faces)} faces; use a portrait of one person"
        )
    p = landmarks.faces[0]
    w, h = landmarks.width, landmarks.height
    outline = p[[LM.FOREHEAD, LM.CHIN, LM.CHEEK_L, LM.CHEEK_R]]
    tol = EDGE_TOLERANCE * max(w, h)
    if (outline < -tol).any() or (outline[:, 0] > w + tol).any() or (outline[:, 1] > h + tol).any():
        raise InvalidPhoto("the face is cut off by the photo's edge")
    face_h = distance(p[LM.FOREHEAD], p[LM.CHIN])
    if face_h < MIN_FACE_PX:
        raise InvalidPhoto(
            f"the face is too small ({face_h:.0f} px from forehead to chin; at least {MIN_FACE_PX})"
        )
    ex, ey = p[LM.EYE_R_OUTER] - p[LM.EYE_L_OUTER]
    roll = math.degrees(math.atan2(ey, ex))
    if abs(roll) > MAX_ROLL_DEG:
        raise InvalidPhoto(f"the head is tilted {abs(roll):.0f}°; at most {MAX_ROLL_DEG:.0f}°")
    half = (p[LM.CHEEK_R] - p[LM.CHEEK_L]) / 2.0
    span = float(np.hypot(*half))
    yaw = float(np.dot(p[LM.NOSE_TIP] - (p[LM.CHEEK_L] + half), half)) / max(span * span, 1e-9)
    if abs(yaw) > MAX_YAW:
        raise InvalidPhoto("the face is turned to the side; use a frontal portrait")
    gap = distance(p[LM.LIP_UPPER_INNER], p[LM.LIP_LOWER_INNER])
    width = distance(p[LM.MOUTH_L], p[LM.MOUTH_R])
    if gap > MAX_LIP_GAP * width:
        raise InvalidPhoto(
            f"the mouth is open (lip gap {100 * gap / width:.0f}% of its width; "
            f"at most {100 * MAX_LIP_GAP:.0f}%); use a photo with closed lips"
        )
    return p
