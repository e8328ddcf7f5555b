"""``estudio render --brand``: a bad kit stops the render before it starts, in one line, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from estudio.cli import main

EXAMPLE = Path(__file__).parents[3] / "examples" / "nr10-seguranca-eletrica.pptx"


@pytest.mark.parametrize(
    ("brand", "files", "says"),
    [
        ({"logo": {"path": "logo.png"}}, {"logo.png": b"not an image"}, "logo logo.png"),
        ({"music": {"path": "bed.flac"}}, {}, "no such file bed.flac"),
        ({"font": "No Such Family Zzqx"}, {}, "font"),
        ({"intro": {"card": {}, "video": "x.mp4"}}, {}, "exactly one of"),
    ],
)
def test_a_bad_brand_kit_is_refused_before_rendering(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    brand: dict[str, object],
    files: dict[str, bytes],
    says: str,
) -> None:
    # Given a brand file with a bad asset or shape
    (tmp_path / "brand.json").write_text(json.dumps(brand), encoding="utf-8")
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    # When rendering with it
    code = main(
        [
            "render",
            str(EXAMPLE),
            "--out",
            str(tmp_path / "out"),
            "--brand",
            str(tmp_path / "brand.json"),
            "--json",
            "--data",
            str(tmp_path / "data"),
        ]
    )
    # Then exit 2, the stable code and one line naming the problem; nothing was rendered
    error = json.loads(capsys.readouterr().out)["error"]
    assert code == 2 and error["code"] == "invalid_brand_asset"
    assert says in error["message"]
    assert not (tmp_path / "out").exists()
