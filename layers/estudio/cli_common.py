"""What every ``estudio`` subcommand shares: exit codes and the settings from ``--data``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2


def settings_from(args: argparse.Namespace) -> Any:
    """``Settings`` with ``--data`` (or ``$ESTUDIO_DATA``) as the data folder."""
    from estudio.settings import Settings

    data = args.data or os.environ.get("ESTUDIO_DATA")
    return Settings(data=Path(data).expanduser()) if data else Settings()
