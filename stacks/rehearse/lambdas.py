"""The Lambda functions as CDK declares them, invoked in this process as Lambda invokes them.

Each function is its handler module (``functions/<name>/handler.py``, imported once per function:
a cold start, then warm), its memory and timeout, and its environment — built from the same
declarations the stacks use (``stacks.pipeline.STAGES``, ``FunctionFactory``'s defaults,
``cloud_environment``). An invocation gets exactly that environment (nothing of this shell's),
a JSON round trip of the event and of the response, and a ``LambdaContext``; an exception comes
back as Lambda reports it: the error name is its class, the cause Lambda's error JSON.

One process holds every function and an environment is per process, so invocations run one
at a time (``EnvironmentLease``); the interpreter still runs Map iterations and Parallel branches
on its threads, they take turns at the functions.
``/tmp`` is each function's own folder under the rehearsal's scratch directory.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from estudio.api.groups import GROUP_ENV, GROUPS
from estudio.constants import ENV_VOICE_SECRET_ARN
from estudio.observability import logger
from estudio.pipeline.asl import StatesError
from stacks.bundles import API_MEMORY_MB
from stacks.rehearse.world import ACCOUNT, FAKE_CREDENTIALS, PREFIX, REGION, World, lambda_arn

# The process environment a function may see besides its own (the OS, this interpreter).
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "VIRTUAL_ENV", "TZ")
# The API groups whose function reads the voice keys (``stacks.api``: which providers have keys).
VOICE_GROUPS = ("catalog", "previews")  # previews speak with them


def api_function(group: str) -> str:
    """The rehearsed name of one API group's function (its bundle's, ``stacks.bundles``)."""
    return f"api_{group}"


# The API's functions, as ``stacks.api`` declares them (name, handler folder, memory, timeout in
# seconds, reads the voice keys, the API group it serves): one per cloud route group, all
# running ``functions/api`` with ``ESTUDIO_API_GROUP`` set, and the authorizer. The HTTP
# routes map to these as the API stack wires them (``stacks.rehearse.api.ROUTES``).
API_FUNCTIONS: tuple[tuple[str, str, int, int, bool, str | None], ...] = (
    *(
        (
            api_function(g.name),
            "api",
            API_MEMORY_MB.get(g.name, 1024),
            29,
            g.name in VOICE_GROUPS,
            g.name,
        )
        for g in GROUPS
        if g.cloud
    ),
    ("authorizer", "authorizer", 256, 5, False, None),
)


@dataclass(frozen=True)
class FunctionDef:
    name: str  # the folder under functions/
    memory_mb: int
    timeout_s: int
    environment: dict[str, str]
    placeholder: str | None = None  # the ASL ``${...}`` this function answers to
    folder: str | None = None  # its handler folder under functions/ when not ``name``

    @property
    def source(self) -> str:
        """The folder under functions/ whose handler this function runs."""
        return self.folder or self.name

    @property
    def function_name(self) -> str:
        return f"{PREFIX}-{self.name}"


@dataclass
class LambdaContext:
    """The fields of Lambda's context object the handlers (and Powertools) read."""

    function: FunctionDef
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    @property
    def function_name(self) -> str:
        return self.function.function_name

    @property
    def function_version(self) -> str:
        return "$LATEST"

    @property
    def invoked_function_arn(self) -> str:
        return lambda_arn(self.function.name)

    @property
    def memory_limit_in_mb(self) -> int:
        return self.function.memory_mb

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"{time.strftime('%Y/%m/%d')}/[$LATEST]{self.aws_request_id.replace('-', '')}"

    def get_remaining_time_in_millis(self) -> int:
        left = self.function.timeout_s - (time.monotonic() - self.started)
        return max(0, int(left * 1000))


def function_defs(world: World) -> dict[str, FunctionDef]:
    """Every function the rehearsal invokes, with the environment its stack sets."""
    from stacks.config import DeployConfig
    from stacks.environment import cloud_environment, group_environment
    from stacks.functions import FUNCTION_ENVIRONMENT, FunctionSpec, spec_environment
    from stacks.pipeline import STAGES, stage_environment

    data = world.data_plane()
    defs: dict[str, FunctionDef] = {}

    def add(
        spec: Any,
        shared: dict[str, str],
        voice: bool,
        placeholder: str | None,
        name: str | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> None:
        env = {**FUNCTION_ENVIRONMENT, **shared, **spec_environment(spec), **(extra or {})}
        if voice:
            env[ENV_VOICE_SECRET_ARN] = world.voice_secret_arn
        key = name or spec.name
        defs[key] = FunctionDef(
            key,
            spec.memory_mb,
            int(spec.timeout.to_seconds()),
            env,
            placeholder,
            folder=None if key == spec.name else spec.name,
        )

    pipeline = stage_environment(data, world.events_queue_url, DeployConfig.record_days)
    for stage in STAGES:
        add(stage.spec, pipeline, stage.voice_keys, stage.placeholder)
    from aws_cdk import Duration

    api = cloud_environment(
        data, events_queue_url=world.events_queue_url, state_machine_arn=world.state_machine_arn
    )
    for name, folder, memory, timeout, voice, group in API_FUNCTIONS:
        spec = FunctionSpec(folder, name, memory, Duration.seconds(timeout))
        extra = {GROUP_ENV: group, **group_environment(group, data)} if group else None
        add(spec, api, voice, None, name=name, extra=extra)
    from stacks.webhooks import DELIVERY_TIMEOUT

    consumer = cloud_environment(data, events_queue_url=world.events_queue_url)
    add(FunctionSpec("webhooks", "webhooks", 256, DELIVERY_TIMEOUT), consumer, False, None)
    return defs


def sandbox_environment(own: Mapping[str, str], name: str, scratch: Path) -> dict[str, str]:
    """What one function (or container) sees: its own variables, Lambda's, and no others."""
    tmp = scratch / "tmp" / name
    tmp.mkdir(parents=True, exist_ok=True)
    env = {key: os.environ[key] for key in INHERITED if key in os.environ}
    env |= FAKE_CREDENTIALS
    env |= {
        "AWS_CONFIG_FILE": str(scratch / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(scratch / "no-aws-credentials"),
        "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon on this machine
        "TMPDIR": str(tmp),
    }
    env |= dict(own)
    if env.get("ESTUDIO_DATA", "").startswith("/tmp/"):  # each sandbox's own /tmp
        env["ESTUDIO_DATA"] = str(tmp / env["ESTUDIO_DATA"][len("/tmp/") :])
    return env


def reset_layer_caches() -> None:
    """What a new environment invalidates in the shared layer (its settings and adapters)."""
    from estudio.adapters.aws import context
    from estudio.settings import get_settings

    context.get_cloud_settings.cache_clear()
    context.cached_adapters.cache_clear()
    get_settings.cache_clear()


class EnvironmentLease:
    """One sandbox at a time: the process environment is that sandbox's while it runs.

    Invocations are serialised, even of one function: Powertools keeps its logger and metrics
    state per process, which concurrent invocations in one process would share (Lambda gives
    each concurrent invocation its own sandbox). The environment is swapped, and the layer's
    caches dropped, only when the next invocation belongs to another function.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._applied: str | None = None
        self._saved = dict(os.environ)

    def __enter__(self) -> EnvironmentLease:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.restore()

    def restore(self) -> None:
        """Give the process back the environment it had before the first sandbox ran."""
        with self._lock:
            os.environ.clear()
            os.environ.update(self._saved)
            reset_layer_caches()
            self._applied = None

    @contextmanager
    def hold(self, name: str, env: Mapping[str, str]) -> Iterator[None]:
        with self._lock:
            if self._applied != name:
                os.environ.clear()
                os.environ.update(env)
                reset_layer_caches()
                self._applied = name
            yield


def load_module(path: Path, module_name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class Invocation:
    function: str
    seconds: float
    ok: bool


class Lambdas:
    """Invoke each function's ``functions/<folder>/handler.py`` as Lambda would."""

    def __init__(
        self,
        root: Path,
        functions: Mapping[str, FunctionDef],
        scratch: Path,
        lease: EnvironmentLease,
    ) -> None:
        self.root = root
        self.functions = dict(functions)
        self.scratch = scratch
        self.lease = lease
        self.log: list[Invocation] = []
        self.init_s: dict[str, float] = {}  # each function's cold import
        self._modules: dict[str, ModuleType] = {}
        self._envs = {
            name: sandbox_environment(fn.environment, name, scratch)
            for name, fn in self.functions.items()
        }

    def _module(self, name: str) -> ModuleType:
        if name not in self._modules:  # the cold start: imported under its own environment
            path = self.root / "functions" / self.functions[name].source / "handler.py"
            self._modules[name] = load_module(path, f"rehearse_function_{name}")
        return self._modules[name]

    def invoke(self, name: str, event: Any) -> Any:
        function = self.functions[name]
        payload = json.loads(json.dumps(event))  # what crosses the wire is JSON
        with self.lease.hold(name, self._envs[name]):
            if name not in self._modules:  # Lambda's init phase, outside the function's timeout
                began = time.monotonic()
                self._module(name)
                self.init_s[name] = round(time.monotonic() - began, 2)
            started = time.monotonic()
            context = LambdaContext(function)
            try:
                result = self._module(name).handler(payload, context)
            except Exception as error:
                self.log.append(Invocation(name, time.monotonic() - started, ok=False))
                logger.error(  # what the runtime writes to the function's log
                    "function error",
                    function=name,
                    error=type(error).__name__,
                    trace="".join(traceback.format_exception(error))[-2000:],
                )
                raise StatesError(
                    type(error).__name__, lambda_cause(error, context), error
                ) from error
        self.log.append(Invocation(name, time.monotonic() - started, ok=True))
        return json.loads(json.dumps(result))

    def resource(self, name: str) -> Callable[[Any], Any]:
        return lambda payload: self.invoke(name, payload)


def lambda_cause(error: BaseException, context: LambdaContext) -> str:
    """The ``Cause`` Step Functions records for a function error: Lambda's error JSON."""
    frames = traceback.format_tb(error.__traceback__)
    message = getattr(error, "message", None) or str(error)
    return json.dumps(
        {
            "errorMessage": message,
            "errorType": type(error).__name__,
            "requestId": context.aws_request_id,
            "stackTrace": frames[-5:],
        }
    )


__all__ = ["ACCOUNT", "REGION", "FunctionDef", "Lambdas", "api_function", "function_defs"]
