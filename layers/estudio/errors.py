"""One exception hierarchy for the whole product.

Every error carries a stable ``code`` (the API's problem type, the CLI's ``--json`` error code) and
says whether the user must fix the input (``user_error``: CLI exit 2, HTTP 4xx) or whether a retry
may help (``transient``). The class *name* is the Step Functions error name: the ASL's ``Retry``
lists only transient class names, ``Catch`` routes everything to one failure state.
"""

from __future__ import annotations

from typing import Any, ClassVar


class EstudioError(Exception):
    code: ClassVar[str] = "internal_error"
    user_error: ClassVar[bool] = False
    transient: ClassVar[bool] = False
    http_status: ClassVar[int] = 500

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


# --- input the user must fix -------------------------------------------------------------------
class InputError(EstudioError):
    code = "invalid_input"
    user_error = True
    http_status = 422


class DeckError(InputError):
    code = "invalid_deck"


class NotAPptx(DeckError):
    code = "not_a_pptx"


class EncryptedDeck(DeckError):
    code = "encrypted_deck"


class CorruptDeck(DeckError):
    code = "corrupt_deck"


class EmptyDeck(DeckError):
    code = "empty_deck"


class DeckTooLarge(DeckError):
    code = "deck_too_large"
    http_status = 413


class UnsupportedDeck(DeckError):
    """A real deck in a variant we cannot read (ISO-Strict OOXML, for one)."""

    code = "unsupported_deck"


class InvalidOptions(InputError):
    code = "invalid_options"


class UnknownVoice(InputError):
    code = "unknown_voice"


class UnknownAvatar(InputError):
    code = "unknown_avatar"


class InvalidPhoto(InputError):
    code = "invalid_photo"


class InvalidQuiz(InputError):
    """A knowledge-check file for the LMS packages that is not valid JSON or not a valid quiz."""

    code = "invalid_quiz"


class InvalidBrandAsset(InputError):
    """A brand file, or one of its assets (logo, font, music), that is malformed or unusable."""

    code = "invalid_brand_asset"


class InvalidWebhookUrl(InputError):
    """A webhook URL that is malformed or points inside the network (SSRF guard)."""

    code = "invalid_webhook_url"


class WriterUnavailable(InputError):
    """A script mode that needs an LLM writer (``rewrite``) with none configured."""

    code = "writer_unavailable"
    http_status = 409


class UnknownTenant(InputError):
    """A tenant no key was ever created for (a drop-folder name, a CLI ``--tenant``)."""

    code = "unknown_tenant"


class NotFound(EstudioError):
    code = "not_found"
    user_error = True
    http_status = 404


class Conflict(EstudioError):
    code = "conflict"
    user_error = True
    http_status = 409


class Unauthorized(EstudioError):
    code = "unauthorized"
    user_error = True
    http_status = 401


class Forbidden(EstudioError):
    """Signed in, but the identity names no tenant this API can serve."""

    code = "forbidden"
    user_error = True
    http_status = 403


class TenantClaimMissing(Forbidden):
    """A person's token carries no usable ``custom:tenant`` (an admin must set it)."""

    code = "tenant_claim_missing"


class Cancelled(EstudioError):
    code = "cancelled"
    user_error = True
    http_status = 409


class SlidesNotReady(Conflict):
    """A scene preview asked for before the deck's slide images are in the slide cache."""

    code = "slides_not_ready"


class InvalidSceneOrder(InputError):
    """A scene order that is not a permutation of the deck's scene indexes."""

    code = "invalid_scene_order"


class EmptyScript(InputError):
    """Narration asked for a scene (or a text) with nothing to say."""

    code = "empty_script"


# --- failures a retry may cure -----------------------------------------------------------------
class TransientError(EstudioError):
    code = "transient_failure"
    transient = True
    http_status = 503


class StorageUnavailable(TransientError):
    code = "storage_unavailable"


class VoiceProviderUnavailable(TransientError):
    """Rate limited or 5xx from a voice provider: retried with backoff, then falls back."""

    code = "voice_provider_unavailable"


class ConcurrentUpdate(TransientError):
    """A conditional write lost a race; re-read and try again."""

    code = "concurrent_update"


# --- failures no retry will cure ---------------------------------------------------------------
class VoiceProviderAuthError(EstudioError):
    code = "voice_auth_failed"


class VoiceProviderError(EstudioError):
    code = "voice_failed"


class WriterFailed(EstudioError):
    """An LLM script writer failed or gave an unusable answer; the rules writer stands in.

    Never leaves the script stage: the scene falls back and the manifest says why."""

    code = "writer_failed"


class WriterBusy(WriterFailed):
    """Rate limited, 5xx or a timeout from an LLM writer: retried once, then the fallback."""

    code = "writer_busy"
    transient = True


class WriterAnswerRejected(WriterFailed):
    """The answer was not plain prose of the right length in the right language."""

    code = "writer_answer_rejected"


class ToolMissing(EstudioError):
    """A required program (LibreOffice, ffmpeg) is not installed."""

    code = "tool_missing"


class RasterizeError(EstudioError):
    code = "rasterize_failed"


class RenderError(EstudioError):
    code = "render_failed"


class PackageError(EstudioError):
    """An LMS package could not be built (a manifest that fails its schemas is our bug)."""

    code = "package_failed"


class StageTimeout(EstudioError):
    code = "stage_timeout"


class ExecutionEnded(EstudioError):
    """A render execution ended outside the pipeline's own failure state (the reconciler)."""

    code = "execution_failed"


class ExecutionTimedOut(ExecutionEnded):
    code = "execution_timed_out"


class SceneRenderFailed(RenderError):
    """The render container (AWS Batch) exited with an error."""

    code = "scene_render_failed"


class SceneRenderTimedOut(SceneRenderFailed):
    code = "scene_render_timed_out"


class RenderHostUnavailable(SceneRenderFailed):
    """No render host could run the container (capacity, host lost, image not pulled)."""

    code = "render_host_unavailable"


class StateMachineError(EstudioError):
    """The ASL definition uses something the local runner does not support, or is malformed."""

    code = "state_machine_error"


def transient_error_names() -> list[str]:
    """Every transient class name: what each ASL Task's Retry must list."""
    names: list[str] = []
    pending: list[type[EstudioError]] = [TransientError]
    while pending:
        cls = pending.pop()
        names.append(cls.__name__)
        pending.extend(cls.__subclasses__())
    return sorted(names)


def error_from_name(name: str, message: str) -> EstudioError:
    """Rebuild a domain error from its Step Functions error name (the class name)."""
    pending: list[type[EstudioError]] = [EstudioError]
    while pending:
        cls = pending.pop()
        if cls.__name__ == name:
            return cls(message)
        pending.extend(cls.__subclasses__())
    return EstudioError(message)
