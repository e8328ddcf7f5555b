"""What the cloud voices share besides text alignment: bounded retries with backoff and jitter,
and mono 16-bit WAV reading/writing (atomic)."""

from __future__ import annotations

import io
import os
import random
import tempfile
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from estudio.errors import EstudioError, VoiceProviderError
from estudio.models import Speech, SpeechText, VisemeEvent, WordTiming
from estudio.observability import logger
from estudio.speech.base import VoiceInfo

T = TypeVar("T")
Sleep = Callable[[float], None]
Samples = npt.NDArray[np.int16]


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` calls at most; between them ``base_delay_s * 2**n`` capped at
    ``max_delay_s``, half of it fixed and half random (so parallel scenes do not retry in step)."""

    attempts: int = 3
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0

    def delay(self, retry_number: int, rng: Callable[[], float] = random.random) -> float:
        cap = min(self.max_delay_s, self.base_delay_s * (2**retry_number))
        return cap / 2 + rng() * cap / 2


NO_RETRY = RetryPolicy(attempts=1)


def call_with_retry(
    action: Callable[[], T],
    policy: RetryPolicy,
    *,
    sleep: Sleep = time.sleep,
    rng: Callable[[], float] = random.random,
    what: str = "call",
) -> T:
    """Run ``action``; retry only errors whose class is ``transient``; re-raise the last one."""
    attempt = 0
    while True:
        try:
            return action()
        except EstudioError as error:
            attempt += 1
            if not error.transient or attempt >= max(1, policy.attempts):
                raise
            pause = policy.delay(attempt - 1, rng)
            logger.warning(
                "transient failure, retrying",
                what=what,
                attempt=attempt,
                error=type(error).__name__,
                pause_s=round(pause, 3),
            )
            sleep(pause)


# --- WAV -----------------------------------------------------------------------------------------
def write_wav(path: Path, samples: Samples | bytes, sample_rate: int) -> None:
    """Write mono 16-bit PCM atomically (temp file in the same folder, then rename)."""
    data = samples if isinstance(samples, bytes) else samples.astype("<i2").tobytes()
    if len(data) % 2:
        raise VoiceProviderError("PCM audio has an odd number of bytes")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".wav")
    try:
        with os.fdopen(fd, "wb") as handle, wave.open(handle, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(sample_rate)
            out.writeframes(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_wav(source: Path | bytes) -> tuple[Samples, int]:
    """Mono 16-bit PCM samples and the sample rate; anything else is a ``VoiceProviderError``."""
    try:
        handle = io.BytesIO(source) if isinstance(source, bytes) else source.open("rb")
        with handle, wave.open(handle, "rb") as reader:
            if reader.getnchannels() != 1 or reader.getsampwidth() != 2:
                raise VoiceProviderError(
                    "expected mono 16-bit PCM audio",
                    channels=reader.getnchannels(),
                    sample_width=reader.getsampwidth(),
                )
            frames = reader.readframes(reader.getnframes())
            rate = reader.getframerate()
    except (wave.Error, EOFError) as error:
        raise VoiceProviderError(f"unreadable WAV audio: {error}") from error
    return np.frombuffer(frames, dtype="<i2").astype(np.int16), rate


def synthesized(
    provider: str,
    voice: VoiceInfo,
    text: SpeechText,
    duration_s: float,
    sample_rate: int,
    words: list[WordTiming],
    visemes: list[VisemeEvent],
) -> Speech:
    """The ``Speech`` a cloud provider returns, logged once the same way for every provider."""
    logger.info(
        "tts synthesized",
        provider=provider,
        voice=voice.id,
        chars=len(text.spoken),
        duration_s=round(duration_s, 3),
        words=len(words),
    )
    return Speech(
        voice=voice.id,
        language=voice.language,
        written=text.written,
        spoken=text.spoken,
        duration_s=duration_s,
        sample_rate=sample_rate,
        words=words,
        visemes=visemes,
    )
