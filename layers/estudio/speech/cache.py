"""Speech by content: an unchanged scene re-rendered makes no provider call.

The key is sha256 over the provider, the voice, the text (spoken, written and their spans), the
glossary version and the synthesis settings. An entry is the WAV plus the ``Speech`` JSON; the
JSON is written last, so its presence means the entry is complete.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from estudio.errors import NotFound
from estudio.models import Speech, SpeechText
from estudio.observability import logger
from estudio.ports import BlobStore
from estudio.speech.base import VoiceInfo, VoiceProvider
from estudio.speech.glossary import Glossary

CACHE_PREFIX = "speech-cache"


def tenant_cache_prefix(tenant: str) -> str:
    """Each tenant's speech is cached apart, so erasing a tenant erases its cached narration."""
    return f"{CACHE_PREFIX}/{tenant}"


KEY_VERSION = 1


def speech_cache_key(
    provider: str,
    voice: str,
    text: SpeechText,
    glossary_version: str = "",
    settings: Mapping[str, Any] | None = None,
) -> str:
    material = {
        "v": KEY_VERSION,
        "provider": provider,
        "voice": voice,
        "spoken": text.spoken,
        "written": text.written,
        "spans": [list(span) for span in text.spans],
        "glossary": glossary_version,
        "settings": dict(settings or {}),
    }
    if text.pauses:  # only then: keys of speech without pauses stay what they were
        material["pauses"] = [list(pause) for pause in text.pauses]
    encoded = json.dumps(material, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


class SpeechCache:
    def __init__(self, blobs: BlobStore, prefix: str = CACHE_PREFIX) -> None:
        self.blobs = blobs
        self.prefix = prefix.rstrip("/")

    def _keys(self, key: str) -> tuple[str, str]:
        base = f"{self.prefix}/{key[:2]}/{key}"
        return f"{base}.wav", f"{base}.json"

    def get(self, key: str, out_wav: Path) -> Speech | None:
        """The cached speech, its audio copied to ``out_wav``; None on a miss."""
        wav_key, json_key = self._keys(key)
        if not self.blobs.exists(json_key):
            return None
        try:
            speech = Speech.model_validate_json(self.blobs.get_bytes(json_key))
            self.blobs.get_file(wav_key, out_wav)
        except (NotFound, ValidationError) as error:
            logger.warning("speech cache entry unusable", key=key, error=type(error).__name__)
            return None
        return speech

    def put(self, key: str, speech: Speech, wav: Path) -> None:
        wav_key, json_key = self._keys(key)
        self.blobs.put_file(wav_key, wav, content_type="audio/wav")
        self.blobs.put_bytes(
            json_key, speech.model_dump_json().encode("utf-8"), content_type="application/json"
        )

    def get_or_synthesize(
        self,
        provider: VoiceProvider,
        voice: VoiceInfo,
        text: SpeechText,
        out_wav: Path,
        settings: Mapping[str, Any] | None = None,
        glossary: Glossary | None = None,
    ) -> Speech:
        glossary = glossary if glossary is not None else getattr(provider, "glossary", None)
        key = speech_cache_key(
            provider.name,
            voice.id,
            text,
            glossary.version if isinstance(glossary, Glossary) else "",
            settings,
        )
        cached = self.get(key, out_wav)
        if cached is not None:
            logger.info("speech cache hit", voice=voice.id, chars=len(text.spoken))
            return cached
        speech = provider.synthesize(text, voice, out_wav)
        self.put(key, speech, out_wav)
        return speech
