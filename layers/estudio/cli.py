"""The ``estudio`` command: render a deck on this machine, list voices and avatars, serve the API.

Exit codes: 0 success; 2 input the user must fix (one line on stderr with a stable code);
1 anything else. ``--json`` prints exactly one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from estudio.cli_common import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, settings_from
from estudio.cli_render import cmd_render, print_render_summary
from estudio.errors import EstudioError


def cmd_voices(args: argparse.Namespace) -> dict[str, Any]:
    from estudio.speech.registry import default_registry

    voices = default_registry(settings_from(args)).list_voices(args.language)
    rows = [v.model_dump() for v in voices]
    if not args.json:
        for v in voices:
            state = "available" if v.available else f"unavailable ({v.reason})"
            print(f"{v.id:<40} {v.language:<7} {v.gender or '-':<7} {state}")
    return {"voices": rows}


def cmd_speak(args: argparse.Namespace) -> dict[str, Any]:
    from estudio.speech.glossary import default_glossary
    from estudio.speech.registry import default_registry
    from estudio.speech.service import speak

    language = args.language or "pt-BR"
    speech = speak(
        args.text,
        args.voice,
        language,
        Path(args.out),
        default_registry(settings_from(args)),
        glossary=default_glossary(language),
    )
    result = {
        "voice": speech.voice,
        "spoken": speech.spoken,
        "duration_s": speech.duration_s,
        "out": args.out,
        "words": [w.model_dump() for w in speech.words],
    }
    if not args.json:
        print(
            f"voice: {speech.voice}\nspoken: {speech.spoken}\nduration: {speech.duration_s:.2f} s"
        )
        for w in speech.words:
            print(f"  {w.start_s:7.3f} {w.end_s:7.3f}  {w.text}")
    return result


def cmd_avatars(args: argparse.Namespace) -> dict[str, Any]:
    from estudio.avatar.catalog import list_avatars

    avatars = list_avatars()
    if not args.json:
        for a in avatars:
            print(f"{a.id:<12} {a.name:<12} {a.gender:<8} {a.description}")
    return {"avatars": [a.model_dump() for a in avatars]}


def cmd_keys_create(args: argparse.Namespace) -> dict[str, Any]:
    from estudio.adapters.local import SqliteItemStore
    from estudio.api.keys import create_key
    from estudio.local import data_paths

    settings = settings_from(args)
    key = create_key(SqliteItemStore(data_paths(settings.data)[1]), args.tenant)
    if not args.json:
        print(key)
    return {"tenant": args.tenant, "key": key}


def cmd_serve(args: argparse.Namespace) -> dict[str, Any]:
    from estudio.serve import serve

    serve(
        settings_from(args),
        host=args.host,
        port=args.port,
        dropbox=Path(args.dropbox) if args.dropbox else None,
        allow_private_webhooks=args.allow_private_webhooks,
    )
    return {}


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data", help="where state and blobs live (default ~/.estudio or $ESTUDIO_DATA)"
    )
    common.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    common.add_argument(
        "-v", "--verbose", action="store_true", help="log progress details on stderr"
    )

    parser = argparse.ArgumentParser(
        prog="estudio", description="Turn training slide decks into narrated videos."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    render = sub.add_parser(
        "render", parents=[common], help="render a deck (.pptx, .ppt, .odp, .pdf) into a video"
    )
    render.add_argument("deck", help="the deck: .pptx, .pptm, .ppt, .odp or .pdf (told by content)")
    render.add_argument(
        "--out", required=True, help="folder for video.mp4, captions, thumbnail, manifest"
    )
    render.add_argument(
        "--voice", help="voice id (see 'estudio voices'); default: the deck's language"
    )
    render.add_argument(
        "--preset", choices=["1080p", "720p", "vertical", "square"], default="1080p"
    )
    render.add_argument("--subtitles", choices=["sidecar", "burn", "none"], default="sidecar")
    render.add_argument("--avatar", help="presenter id (see 'estudio avatars')")
    render.add_argument(
        "--avatar-layout", choices=["pip-right", "pip-left", "beside"], default="pip-right"
    )
    render.add_argument("--transition", choices=["cut", "fade"], default="cut")
    render.add_argument("--language", help="override the detected language (pt-BR, en, es)")
    render.add_argument(
        "--languages",
        help="render in several languages, e.g. pt-BR,en: the first into --out, each further "
        "one into OUT/<lang>/, its scripts translated by the LLM writer",
    )
    render.add_argument(
        "--translate-slides",
        action="store_true",
        help="with --languages: also translate the text on the slides (a translated copy of the "
        "deck is drawn; text that would overflow shrinks)",
    )
    render.add_argument(
        "--brand", help="brand kit JSON: logo, intro/outro cards, colours, font, music, template"
    )
    render.add_argument(
        "--builds",
        choices=["on", "off"],
        default="on",
        help="click animations as timed build steps (on) or every slide fully built (off)",
    )
    render.add_argument(
        "--silent-seconds",
        type=float,
        default=3.0,
        help="how long a slide with nothing to narrate is shown (0.5-60 s)",
    )
    render.add_argument(
        "--glossary", help="pronunciation glossary, TSV: term<TAB>spoken[<TAB>ipa] per line"
    )
    render.add_argument(
        "--package",
        action="append",
        metavar="KINDS",
        help="also build scorm12, scorm2004 and/or storyboard (comma list; may repeat)",
    )
    render.add_argument(
        "--quiz", help="knowledge check for the SCORM packages (JSON: pass_percent, questions)"
    )
    render.add_argument(
        "--completion-percent",
        type=int,
        default=90,
        metavar="N",
        help="share of the video a learner must watch for the LMS to record completion (90)",
    )
    render.add_argument(
        "--script",
        choices=["auto", "notes", "text", "rewrite"],
        default="auto",
        help="narration: auto (notes, else written for listening), notes (notes only), "
        "text (the slide text as written), rewrite (notes polished by the LLM writer)",
    )
    render.add_argument("--keep-intermediates", action="store_true", help=argparse.SUPPRESS)
    render.set_defaults(handler=cmd_render)

    voices = sub.add_parser("voices", parents=[common], help="list the voices available here")
    voices.add_argument("--language", help="only voices for this language (e.g. pt-BR)")
    voices.set_defaults(handler=cmd_voices)

    speak = sub.add_parser("speak", parents=[common], help="speak a text into a WAV file")
    speak.add_argument("text")
    speak.add_argument("--voice")
    speak.add_argument("--language")
    speak.add_argument("--out", required=True)
    speak.set_defaults(handler=cmd_speak)

    avatars = sub.add_parser("avatars", parents=[common], help="list the built-in presenters")
    avatars.set_defaults(handler=cmd_avatars)

    keys_parser = sub.add_parser("keys", help="API keys")
    keys_sub = keys_parser.add_subparsers(dest="keys_command", required=True)
    create = keys_sub.add_parser("create", parents=[common], help="create an API key for a tenant")
    create.add_argument("--tenant", required=True)
    create.set_defaults(handler=cmd_keys_create)
    from estudio.cli_admin import add_commands

    add_commands(sub, keys_sub, common)

    serve = sub.add_parser("serve", parents=[common], help="run the HTTP API, web page and worker")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--dropbox", help="watch this folder for decks ({tenant}/.../name.pptx)")
    serve.add_argument(
        "--allow-private-webhooks",
        action="store_true",
        help="allow webhook URLs on private or loopback addresses (development)",
    )
    serve.set_defaults(handler=cmd_serve)
    return parser


def _fail(args: argparse.Namespace, code: str, message: str, exit_code: int) -> int:
    message = " ".join(message.split())  # one line
    if getattr(args, "json", False):
        print(json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False))
    print(f"estudio: error [{code}]: {message}", file=sys.stderr)
    return exit_code


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not args.verbose:
        os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
        from estudio.observability import logger

        logger.setLevel("CRITICAL")  # the CLI reports errors itself, in one line
    handler: Callable[[argparse.Namespace], dict[str, Any]] = args.handler
    try:
        result = handler(args)
    except EstudioError as error:
        return _fail(
            args, error.code, error.message, EXIT_INPUT if error.user_error else EXIT_INTERNAL
        )
    except KeyboardInterrupt:
        return _fail(args, "interrupted", "interrupted", 130)
    except Exception as error:  # the last line of defence: one line, never a traceback
        if args.verbose:
            raise
        return _fail(args, "internal_error", f"{type(error).__name__}: {error}", EXIT_INTERNAL)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    elif args.command == "render":
        print_render_summary(result)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
