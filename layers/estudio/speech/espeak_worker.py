"""Child process that drives espeak-ng through its C API.

Run as ``python -m estudio.speech.espeak_worker``.

espeak-ng is GPL-3.0: it is loaded only here, in a separate process, never in the caller. A crash
or a hang stays in the child, and the parent bounds it with a timeout.

Protocol: one JSON request on stdin::

    {"text": "...", "voice": "pt-br", "out_wav": "/path/x.wav", "rate_wpm": 165,
     "library": "/path/libespeak-ng.so" | null, "data": "/path/espeak-ng-data" | null,
     "pauses": [[offset, seconds], ...]}

``pauses`` (optional) are silences to insert at 0-based character offsets of ``text``: the text
is spoken piece by piece, each piece's trailing silence trimmed to ``TAIL_S``, then the pause
added, so the gap a listener hears is the pause asked for. Event positions and samples are
reported on the whole text and the whole audio; a pause phoneme (``"ipa": ""``) marks each.

One JSON object per line on stdout: ``{"type": "word", "pos": 1, "len": 7, "sample": 0}`` and
``{"type": "phoneme", "pos": 1, "sample": 0, "ipa": "a"}`` events (``pos`` is espeak's 1-based
*character* position in the text, ``sample`` the audio position in samples), then
``{"type": "done", "sample_rate": 22050, "samples": 56609}``. The WAV (mono, 16-bit) is written
atomically. Exit status 2 means a bad request, 3 an espeak failure.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
import tempfile
import wave
from pathlib import Path
from typing import Any

# espeak_lib.h constants
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_INITIALIZE_PHONEME_EVENTS = 0x0001
_INITIALIZE_PHONEME_IPA = 0x0002
_INITIALIZE_DONT_EXIT = 0x8000
_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1
_EVENT_PHONEME = 7
_RATE = 1  # espeakRATE
TAIL_S = 0.04  # silence kept at the end of a piece before an inserted pause
_QUIET = 200  # |sample| at or below this counts as silence when trimming


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


class WorkerFailure(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _load(library: str | None, data: str | None) -> tuple[ctypes.CDLL, str]:
    if library is None or data is None:
        import espeakng_loader

        library = library or espeakng_loader.get_library_path()
        data = data or espeakng_loader.get_data_path()
    try:
        lib = ctypes.CDLL(library)
    except OSError as e:
        raise WorkerFailure(f"cannot load espeak-ng: {e}", 3) from e
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_SetSynthCallback.argtypes = [_Callback]
    lib.espeak_Synth.argtypes = [
        ctypes.c_char_p,
        ctypes.c_size_t,
        ctypes.c_uint,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.c_uint,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    return lib, data


def synthesize(request: dict[str, Any], emit: Any) -> None:
    """Speak ``request["text"]`` into ``request["out_wav"]``, calling ``emit(dict)`` per event."""
    text = request.get("text")
    voice = request.get("voice")
    out_wav = request.get("out_wav")
    if not isinstance(text, str) or not isinstance(voice, str) or not isinstance(out_wav, str):
        raise WorkerFailure("request needs text, voice and out_wav strings", 2)
    lib, data = _load(request.get("library"), request.get("data"))
    flags = _INITIALIZE_PHONEME_EVENTS | _INITIALIZE_PHONEME_IPA | _INITIALIZE_DONT_EXIT
    sample_rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data.encode(), flags)
    if sample_rate <= 0:
        raise WorkerFailure("espeak_Initialize failed", 3)
    if lib.espeak_SetVoiceByName(voice.encode()) != 0:
        raise WorkerFailure(f"espeak has no voice {voice!r}", 2)
    rate = request.get("rate_wpm")
    if isinstance(rate, int) and rate > 0:
        lib.espeak_SetParameter(_RATE, rate, 0)

    pieces = _pieces(text, request.get("pauses") or [])
    chunks: list[bytes] = []
    total = 0
    piece_audio: list[bytes] = []
    piece_events: list[dict[str, Any]] = []

    def on_audio(wav: Any, count: int, events: Any) -> int:
        if count > 0 and wav:
            piece_audio.append(ctypes.string_at(wav, count * 2))
        i = 0
        while events[i].type != _EVENT_LIST_TERMINATED:
            event = events[i]
            if event.type == _EVENT_WORD:
                piece_events.append(
                    {
                        "type": "word",
                        "pos": event.text_position,
                        "len": event.length,
                        "sample": event.sample,
                    }
                )
            elif event.type == _EVENT_PHONEME:
                raw = bytes(event.id.string).split(b"\0", 1)[0]
                piece_events.append(
                    {
                        "type": "phoneme",
                        "pos": event.text_position,
                        "sample": event.sample,
                        "ipa": raw.decode("utf-8", "replace"),
                    }
                )
            i += 1
        return 0

    callback = _Callback(on_audio)  # keep a reference for the call's lifetime
    lib.espeak_SetSynthCallback(callback)
    for offset, piece, pause_s in pieces:
        piece_audio.clear()
        piece_events.clear()
        if piece.strip():
            encoded = piece.encode("utf-8")
            status = lib.espeak_Synth(
                encoded, len(encoded) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
            )
            if status != 0:
                raise WorkerFailure(f"espeak_Synth returned {status}", 3)
            lib.espeak_Synchronize()
        audio = b"".join(piece_audio)
        if pause_s > 0:
            audio = _trim_tail(audio, round(TAIL_S * sample_rate))
        length = len(audio) // 2
        for event in piece_events:  # samples restart at 0 with every espeak_Synth call
            event["sample"] = total + min(int(event["sample"]), length)
            event["pos"] = int(event["pos"]) + offset
            emit(event)
        chunks.append(audio)
        total += length
        if pause_s > 0:
            emit({"type": "phoneme", "pos": offset + len(piece), "sample": total, "ipa": ""})
            silence = round(pause_s * sample_rate)
            chunks.append(b"\0\0" * silence)
            total += silence

    target = Path(out_wav)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".espeak-", suffix=".wav", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as raw_file, wave.open(raw_file, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(sample_rate)
            out.writeframes(b"".join(chunks))
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    emit({"type": "done", "sample_rate": sample_rate, "samples": total})


def _pieces(text: str, pauses: Any) -> list[tuple[int, str, float]]:
    """(offset, piece of ``text``, seconds of silence after it) for each stretch between pauses."""
    if not isinstance(pauses, list):
        raise WorkerFailure("pauses must be a list of [offset, seconds]", 2)
    cuts: list[tuple[int, float]] = []
    for pause in pauses:
        if not isinstance(pause, list | tuple) or len(pause) != 2:
            raise WorkerFailure("pauses must be a list of [offset, seconds]", 2)
        offset, seconds = int(pause[0]), float(pause[1])
        cuts.append((min(max(offset, 0), len(text)), max(seconds, 0.0)))
    pieces: list[tuple[int, str, float]] = []
    start = 0
    for offset, seconds in sorted(cuts):
        if offset < start:
            offset = start
        if pieces and offset == start:  # two pauses in one place: one longer silence
            previous = pieces[-1]
            pieces[-1] = (previous[0], previous[1], previous[2] + seconds)
            continue
        pieces.append((start, text[start:offset], seconds))
        start = offset
    pieces.append((start, text[start:], 0.0))
    return pieces


def _trim_tail(audio: bytes, keep: int) -> bytes:
    """Drop the trailing silence of 16-bit mono PCM, keeping ``keep`` samples of it."""
    samples = memoryview(audio).cast("h")
    end = len(samples)
    while end > 0 and abs(samples[end - 1]) <= _QUIET:
        end -= 1
    return audio[: min(len(samples), end + keep) * 2]


def main() -> int:
    def emit(event: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(event, ensure_ascii=False) + "\n")

    try:
        request = json.loads(sys.stdin.read())
        if not isinstance(request, dict):
            raise WorkerFailure("request must be a JSON object", 2)
        synthesize(request, emit)
    except json.JSONDecodeError as e:
        sys.stderr.write(f"bad request: {e}\n")
        return 2
    except WorkerFailure as e:
        sys.stderr.write(f"{e}\n")
        return e.status
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
