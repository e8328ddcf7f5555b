"""What each deployed function is made of (ADR 0004): its kind, platform and layers.

Zip functions (arm64, Python 3.12) carry only their handler folder; the project package and
its dependencies come in layers, each a set of locked distributions (``requirements/``):

* ``code``   the ``estudio`` package itself (changes with every commit, ~1 MB);
* ``base``   pydantic, Powertools, httpx, FastAPI + Mangum: what every function imports;
* ``deck``   python-pptx, lxml, Pillow: opening decks on the upload routes;
* ``speech`` espeak-ng, num2words, the ElevenLabs and Azure SDKs (the speak stage, voices);
* ``numpy``  numpy (the cloud voices decode audio with it).

The stages that run ffmpeg (plan probes the encoder; render, narrate, assemble, publish encode;
package extracts the storyboard's frames) or LibreOffice (parse converts non-pptx decks,
rasterize draws slides) are container-image functions (x86_64, the ``office`` target of
``containers/render/Dockerfile``): ffmpeg alone is 131 MB unzipped on arm64, numpy 51 MB, and
an image has a 10 GB limit instead of 250 MB. Their image is built by docker at deploy time.

Each zip function's layers must hold every third-party module its handler can import: the
static import walk (``stacks.artifacts.imports``) checks it, with the lazy imports a function
never runs cut, each with its reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from stacks.artifacts.imports import Cut

LAMBDA_PYTHON = "3.12"
LIMIT_BYTES = 262_144_000  # a zip function plus its layers, unzipped
MAX_LAYERS = 5
ZIP = "zip"
IMAGE = "image"
ARM64 = "arm64"
X86_64 = "x86_64"
CODE_LAYER = "code"

# Distributions the Lambda Python runtime already provides: never installed into a layer.
RUNTIME_PROVIDED = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six"}
)
# Only used by `estudio serve` / the CLI: not resolved for the cloud.
LOCAL_ONLY = frozenset({"uvicorn"})

LAYERS: Mapping[str, frozenset[str]] = {
    "base": frozenset(
        {
            "pydantic",
            "pydantic-core",
            "annotated-types",
            "typing-extensions",
            "typing-inspection",
            "pydantic-settings",
            "python-dotenv",
            "aws-lambda-powertools",
            "aws-xray-sdk",
            "wrapt",
            "httpx",
            "httpcore",
            "h11",
            "anyio",
            "idna",
            "certifi",
            "fastapi",
            "starlette",
            "annotated-doc",
            "mangum",
            "python-multipart",
            "tqdm",
        }
    ),
    "deck": frozenset({"python-pptx", "lxml", "pillow", "xlsxwriter"}),
    "speech": frozenset(
        {
            "num2words",
            "docopt",
            "espeakng-loader",
            "elevenlabs",
            "requests",
            "urllib3",
            "charset-normalizer",
            "websockets",
            "azure-cognitiveservices-speech",
            "azure-core",
            "opentelemetry-api",
        }
    ),
    "numpy": frozenset({"numpy"}),
}
# Resolved for the lock (the images install these versions too) but in no zip layer.
IMAGE_ONLY = frozenset({"imageio-ffmpeg"})

NO_SPEECH = Cut(
    "estudio.speech.registry",
    "voices are built only by the speak stage and the voice listing (StageContext.voices)",
)
NO_DECK_PARSE = Cut("estudio.deck", "decks are parsed only on the upload routes")
# The slide cache's prefixes are read everywhere (erasure, scene image links); its pictures are
# drawn only on the upload routes and by the rasterize stage (Pillow, python-pptx).
NO_SLIDE_DRAWING = (
    Cut("estudio.slides.rasterize", "slide images are drawn only on the upload routes"),
    Cut("estudio.slides.steps", "click-build pictures are drawn only on the upload routes"),
)
# Every handler reaches the writers' factory (the stage context, the API app); it builds an LLM
# writer only when one is configured (ESTUDIO_LLM_BASE_URL + ESTUDIO_LLM_MODEL, or
# ESTUDIO_BEDROCK_MODEL_ID), which no stack sets: the cloud writes scripts with the rules writer.
NO_LLM = (
    Cut("estudio.script.openai_compat", "no stack configures an OpenAI-compatible writer"),
    Cut("estudio.script.bedrock", "no stack configures a Bedrock writer"),
)


@dataclass(frozen=True)
class Bundle:
    name: str  # the function's artifact name (build/functions/<name>)
    folder: str  # its handler folder under functions/
    kind: str = ZIP
    layers: tuple[str, ...] = (CODE_LAYER, "base")
    stage: str | None = None  # the ASL placeholder a stage handler serves
    api_group: str | None = None  # the API group an API function serves
    cuts: tuple[Cut, ...] = (NO_SPEECH, *NO_LLM)
    image_cmd: str | None = None  # image functions: the handler awslambdaric runs
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def architecture(self) -> str:
        return ARM64 if self.kind == ZIP else X86_64


def _stage_image(name: str, stage: str) -> Bundle:
    return Bundle(
        name,
        name,
        kind=IMAGE,
        layers=(),
        stage=stage,
        image_cmd=f"functions.{name}.handler.handler",
        cuts=(),
    )


def _api(group: str, *extra_layers: str, cuts: tuple[Cut, ...] = (NO_SPEECH, *NO_LLM)) -> Bundle:
    """One API group's function: ``functions/api`` with ``ESTUDIO_API_GROUP`` set."""
    return Bundle(
        f"api_{group}",
        "api",
        layers=(CODE_LAYER, "base", *extra_layers),
        api_group=group,
        cuts=cuts,
    )


# Uploads convert decks with LibreOffice and check brand media with ffmpeg (the stage image).
# Previews speak and encode one scene (a presenter's frames too) in the same image.
API_MEMORY_MB = {"uploads": 3008, "previews": 3008}
API_EPHEMERAL_MB = {"uploads": 2048, "previews": 1024}


def _api_image(group: str) -> Bundle:
    """An API group that runs system programs: ``functions/api`` in the stage image."""
    return Bundle(
        f"api_{group}",
        "api",
        kind=IMAGE,
        layers=(),
        api_group=group,
        image_cmd="functions.api.handler.handler",
        cuts=(),
    )


BUNDLES: tuple[Bundle, ...] = (
    Bundle("authorizer", "authorizer"),
    Bundle("ingest", "ingest"),
    Bundle("webhooks", "webhooks"),
    # An execution's end → its job (reads and fails jobs, sends render.failed): base only.
    Bundle("reconcile", "reconcile"),
    Bundle("fail", "fail", stage="FailFunctionArn"),
    # LibreOffice converts .ppt, .odp and Strict decks and poppler reads PDFs (ADR 0011).
    _stage_image("parse", "ParseFunctionArn"),
    Bundle(
        "speak",
        "speak",
        layers=(CODE_LAYER, "base", "speech", "numpy"),
        stage="SpeakFunctionArn",
        cuts=NO_LLM,
    ),
    _stage_image("rasterize", "RasterizeFunctionArn"),
    _stage_image("plan", "PlanFunctionArn"),
    _stage_image("render_scene", "RenderSceneFunctionArn"),
    _stage_image("narrate", "NarrateFunctionArn"),
    _stage_image("assemble", "AssembleFunctionArn"),
    _stage_image("publish", "PublishFunctionArn"),
    # The LMS packages: ffmpeg extracts the storyboard's frames and lxml writes the manifests, so
    # the image (ffmpeg does not fit beside the layers, see above).
    _stage_image("package", "PackageFunctionArn"),
    _api("health"),
    _api("projects", cuts=(NO_SPEECH, NO_DECK_PARSE, *NO_SLIDE_DRAWING, *NO_LLM)),
    # A deck arrives in any format (LibreOffice converts .ppt, .odp and Strict, poppler reads
    # PDF) and brand music and clips are checked with ffmpeg, as locally: the stage image.
    _api_image("uploads"),
    # Scene previews: espeak-ng, the voice SDKs and ffmpeg, as the speak and render stages.
    _api_image("previews"),
    _api("renders", cuts=(NO_SPEECH, NO_DECK_PARSE, *NO_SLIDE_DRAWING, *NO_LLM)),
    _api("webhooks"),
    _api("catalog", "speech", "numpy", cuts=NO_LLM),
    _api("tenant", cuts=(NO_SPEECH, NO_DECK_PARSE, *NO_SLIDE_DRAWING, *NO_LLM)),
)


def bundle(name: str) -> Bundle:
    for candidate in BUNDLES:
        if candidate.name == name:
            return candidate
    raise KeyError(
        f"no bundle for function {name!r}: add it to stacks/bundles.py (its kind and layers)"
    )
