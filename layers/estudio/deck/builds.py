"""Click animations as build steps (docs/adr/0011).

A slide's ``p:timing`` main sequence lists its animations in click groups. Entrance effects
(``presetClass="entr"``) triggered on click start a new step; "with previous" and "after previous"
effects join the step of the click before them (or step 0 when no click came yet: they play as the
slide appears). Targets are whole shapes (``p:spTgt``) or paragraph ranges (``p:txEl/p:pRg``,
"by paragraph" builds). Exit and emphasis effects, motion paths and interactive triggers are
ignored: the slide's final state already shows what they end in.

The steps are timed to the narration here, as character offsets into the scene's script: explicit
``[click]`` / ``[clique]`` markers in the notes (removed from the spoken text), else the notes split
by paragraph or sentence in proportion, else (no notes) where each step's own text is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from estudio.models import BuildStep, Scene, Speech

NS = {
    "p": "http://schemas.openxmlformats.org/presentationml/2006/main",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
}
P = "{" + NS["p"] + "}"
A = "{" + NS["a"] + "}"
MARKER = re.compile(r"[ \t]*\[\s*(?:click|clique)\s*\][ \t]*", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?…:;])\s+|\n+")
_SPACE = re.compile(r"[^\S\n]+")
MAX_STEPS = 50  # more clicks than this on one slide: the rest join the last step


@dataclass
class _Click:
    shapes: list[int] = field(default_factory=list)
    paragraphs: list[tuple[int, int]] = field(default_factory=list)


def read_clicks(slide: etree._Element) -> list[_Click]:
    """The entrance targets of each click of the slide's main sequence (may be empty lists)."""
    clicks: list[_Click] = []
    for seq_ctn in slide.iterfind("./p:timing//p:seq/p:cTn", NS):
        if seq_ctn.get("nodeType") != "mainSeq":
            continue
        groups = seq_ctn.find("p:childTnLst", NS)
        for group in groups if groups is not None else []:
            effects = [c for c in group.iter(f"{P}cTn") if c.get("presetClass")]
            if not effects:
                continue
            if effects[0].get("nodeType") == "clickEffect" and len(clicks) < MAX_STEPS:
                clicks.append(_Click())
            if not clicks:  # plays as the slide appears: part of what step 0 shows
                continue
            for effect in effects:
                if effect.get("presetClass") == "entr":
                    _add_targets(effect, clicks[-1])
        break
    return clicks


def _add_targets(effect: etree._Element, click: _Click) -> None:
    for target in effect.iter(f"{P}spTgt"):
        try:
            spid = int(target.get("spid") or "")
        except ValueError:
            continue
        rng = target.find("p:txEl/p:pRg", NS)
        if rng is None:
            if spid not in click.shapes:
                click.shapes.append(spid)
            continue
        try:
            first, last = int(rng.get("st") or "0"), int(rng.get("end") or "0")
        except ValueError:
            continue
        for index in range(first, min(last, first + 500) + 1):
            if (spid, index) not in click.paragraphs:
                click.paragraphs.append((spid, index))


def shape_elements(slide: etree._Element) -> dict[int, etree._Element]:
    """Every shape of the slide's tree by id (groups and their members included)."""
    found: dict[int, etree._Element] = {}
    tree = slide.find("./p:cSld/p:spTree", NS)
    if tree is None:
        return found
    for c_nv_pr in tree.iter(f"{P}cNvPr"):
        holder = c_nv_pr.getparent()
        shape = holder.getparent() if holder is not None else None
        try:
            spid = int(c_nv_pr.get("id") or "")
        except ValueError:
            continue
        if shape is not None and shape is not tree and spid not in found:
            found[spid] = shape
    return found


def paragraph_text(para: etree._Element) -> str:
    parts = [t.text or "" for t in para.iter(f"{A}t")]
    return _SPACE.sub(" ", "".join(parts)).strip()


def _shape_paragraphs(shape: etree._Element) -> list[etree._Element]:
    return [p for body in shape.iter(f"{P}txBody") for p in body.iterfind("a:p", NS)]


def _click_text(click: _Click, shapes: dict[int, etree._Element]) -> str:
    lines: list[str] = []
    for spid in click.shapes:
        if spid in shapes:
            lines += [t for p in _shape_paragraphs(shapes[spid]) if (t := paragraph_text(p))]
    for spid, index in click.paragraphs:
        if spid in shapes and spid not in click.shapes:
            paras = _shape_paragraphs(shapes[spid])
            if index < len(paras) and (t := paragraph_text(paras[index])):
                lines.append(t)
    return "\n".join(lines)


def strip_markers(script: str) -> tuple[str, list[int]]:
    """The script without ``[click]``/``[clique]`` markers, and where each marker was."""
    if not MARKER.search(script):
        return script, []
    out = ""
    positions: list[int] = []
    at = 0
    for m in MARKER.finditer(script):
        out += script[at : m.start()]
        if out and not out[-1].isspace():
            out += " "
        positions.append(len(out))
        at = m.end()
    out += script[at:]
    lead = len(out) - len(out.lstrip())
    text = out.strip()
    return text, [min(max(0, p - lead), len(text)) for p in positions]


def proportional_offsets(script: str, steps: int) -> list[int]:
    """``steps`` offsets into ``script`` at paragraph or sentence starts, spread in proportion to
    the text's length (word starts when there are too few sentences)."""
    length = len(script)
    if steps <= 0:
        return []
    if length == 0:
        return [0] * steps
    sentences = sorted({m.end() for m in _SENTENCE_END.finditer(script) if 0 < m.end() < length})
    words = sorted({m.start() for m in re.finditer(r"(?<=\s)\S", script)})
    candidates = sentences if len(sentences) >= steps else sorted(set(sentences) | set(words))
    chosen: list[int] = []
    for k in range(1, steps + 1):
        target = k * length / (steps + 1)
        floor = chosen[-1] if chosen else 0
        left = [c for c in candidates if c > floor]
        # Leave enough candidates for the steps still to place.
        room = left[: max(1, len(left) - (steps - k))] if left else []
        chosen.append(min(room, key=lambda c: abs(c - target)) if room else length)
    return chosen


def _text_offsets(script: str, texts: list[str]) -> list[int] | None:
    """Where each step's text first appears in the script, in order; None when one is missing."""
    offsets: list[int] = []
    at = 0
    for text in texts:
        first = text.split("\n", 1)[0].strip()
        if not first:
            return None
        found = script.find(first, at)
        if found < 0:
            return None
        offsets.append(found)
        at = found + 1
    return offsets


def apply_builds(scene: Scene, slide: etree._Element) -> Scene:
    """``scene`` with its click steps (timed to its script) and markers removed from the script."""
    script, markers = scene.script, list[int]()
    if scene.script_source == "notes":
        script, markers = strip_markers(scene.script)
    clicks = read_clicks(slide) if slide.find(f"{P}timing") is not None else []
    shapes = shape_elements(slide) if clicks else {}
    kept = [
        (i, c)
        for i, c in enumerate(clicks)
        if any(s in shapes for s in c.shapes) or any(s in shapes for s, _ in c.paragraphs)
    ]
    warnings = list(scene.warnings)
    if scene.script_source == "none":
        warnings.append("empty: the slide has no text and no notes; it is shown without narration")
    if not kept:
        return scene.model_copy(update={"script": script, "warnings": warnings})
    texts = [_click_text(c, shapes) for _, c in kept]
    if markers:
        # Marker k times click k; clicks past the last marker share the text after it.
        offsets = [markers[i] if i < len(markers) else -1 for i, _ in kept]
        last = max([o for o in offsets if o >= 0], default=0)
        missing = [j for j, o in enumerate(offsets) if o < 0]
        spread = proportional_offsets(script[last:], len(missing))
        for j, extra in zip(missing, spread, strict=True):
            offsets[j] = last + extra
    elif scene.script_source == "slide_text":
        offsets = _text_offsets(script, texts) or proportional_offsets(script, len(kept))
    else:
        offsets = proportional_offsets(script, len(kept))
    steps = [
        BuildStep(
            shapes=[s for s in c.shapes if s in shapes],
            paragraphs=[(s, i) for s, i in c.paragraphs if s in shapes],
            text=text,
            char_start=min(offset, len(script)),
        )
        for (_, c), text, offset in zip(kept, texts, offsets, strict=True)
    ]
    warnings = [w for w in warnings if not w.startswith("animation:")]
    warnings.append(
        f"animation: {len(steps)} click step(s) shown as build steps; "
        "exit and emphasis effects are not played"
    )
    return scene.model_copy(update={"script": script, "steps": steps, "warnings": warnings})


def step_times(
    scene: Scene, speech: Speech, offset_s: float, duration_s: float, fps: int
) -> list[float]:
    """When each click step appears, seconds from the scene's start, on whole frames, rising by
    at least one frame: at the first word of its narration (``char_start``), else in proportion
    along the speech, else (a silent scene) evenly over the scene."""
    if not scene.steps:
        return []
    count = len(scene.steps)
    length = len(speech.written) or len(scene.script)
    times: list[float] = []
    for k, step in enumerate(scene.steps, start=1):
        if speech.duration_s <= 0:
            t = duration_s * k / (count + 1)
        elif speech.words:
            word = next((w for w in speech.words if w.char_start >= step.char_start), None)
            t = offset_s + (word.start_s if word else speech.duration_s)
        else:
            t = offset_s + speech.duration_s * (step.char_start / length if length else 0.0)
        times.append(t)
    frame = 1 / fps
    out: list[float] = []
    for t in times:
        at = max(round(t * fps) / fps, (out[-1] if out else 0.0) + frame)
        out.append(round(min(at, max(frame, duration_s - frame)), 6))
    return out
