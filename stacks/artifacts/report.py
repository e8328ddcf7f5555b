"""The package report: what each function weighs, unzipped, with its layers; and the checks.

Pure: it measures folders and compares numbers, so a test runs it on a small fake tree.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from stacks.bundles import LIMIT_BYTES, MAX_LAYERS, ZIP, Bundle

SKIPPED_PARTS = frozenset({"__pycache__"})
STAMP = ".lock-digest"  # the build's completeness stamp: kept out of the deployed asset


def tree_bytes(root: Path) -> int:
    """Unzipped size of what is deployed: every regular file under ``root`` (what Lambda counts
    after unzipping), without caches and the build's stamp."""
    return sum(
        path.stat().st_size
        for path in root.rglob("*")
        if path.is_file()
        and not path.is_symlink()
        and path.name != STAMP
        and not SKIPPED_PARTS & set(path.parts)
    )


def tree_sha256(root: Path) -> str:
    """A digest of what is deployed (paths and bytes, as ``tree_bytes`` counts them): two
    builds from the same lock give the same digest."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if (
            path.is_file()
            and not path.is_symlink()
            and path.name != STAMP
            and not SKIPPED_PARTS & set(path.parts)
        ):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def function_entry(
    bundle: Bundle,
    code_dir: Path | None,
    layer_bytes: Mapping[str, int],
    timing: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    code = tree_bytes(code_dir) if code_dir is not None else None
    layers = [{"name": name, "unzipped_bytes": layer_bytes[name]} for name in bundle.layers]
    total = None if code is None else code + sum(layer_bytes[name] for name in bundle.layers)
    entry: dict[str, Any] = {
        "name": bundle.name,
        "kind": bundle.kind,
        "architecture": bundle.architecture,
        "handler_folder": f"functions/{bundle.folder}",
        "code_bytes": code,
        "layers": layers,
        "unzipped_bytes": total,
    }
    if bundle.kind != ZIP:
        entry["note"] = (
            "container image (containers/render/Dockerfile, target office) built by docker at "
            "deploy time; the 10 GB image limit applies, not this one"
        )
    if timing:
        entry.update(timing)
    return entry


def make_report(functions: Iterable[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"functions": list(functions), "limit_bytes": LIMIT_BYTES, **extra}


def problems(report: Mapping[str, Any]) -> list[str]:
    """Every zip function over the limit (itself plus its layers) or with too many layers."""
    found = []
    limit = int(report["limit_bytes"])
    for fn in report["functions"]:
        if fn["kind"] != ZIP:
            continue
        if fn["unzipped_bytes"] is None or fn["unzipped_bytes"] > limit:
            found.append(
                f"{fn['name']}: {fn['unzipped_bytes']} bytes unzipped with its layers "
                f"(limit {limit})"
            )
        if len(fn["layers"]) > MAX_LAYERS:
            found.append(f"{fn['name']}: {len(fn['layers'])} layers (Lambda allows {MAX_LAYERS})")
    return found


def write_report(report: Mapping[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def _asset_paths(outdir: Path) -> dict[str, Path]:
    """Every file asset of the assembly: its S3 key (``<hash>.zip``) → its staged folder."""
    paths = {}
    for manifest in outdir.glob("*.assets.json"):
        for asset_hash, asset in json.loads(manifest.read_text())["files"].items():
            source = asset["source"]
            if source.get("packaging") == "zip":
                paths[f"{asset_hash}.zip"] = outdir / source["path"]
    return paths


def _staged_bytes(paths: Mapping[str, Path], code: Mapping[str, Any]) -> int | None:
    key = code.get("S3Key")
    folder = paths.get(key) if isinstance(key, str) else None
    return tree_bytes(folder) if folder is not None and folder.is_dir() else None


def synthesized_sizes(outdir: Path) -> dict[str, dict[str, Any]]:
    """From a cloud assembly: each zip function (by its bundle metadata) → the unzipped size of
    its code asset and of each of its layers' assets, as staged for upload."""
    paths = _asset_paths(outdir)
    sizes: dict[str, dict[str, Any]] = {}
    for template_path in sorted(outdir.glob("*.template.json")):
        resources = json.loads(template_path.read_text(encoding="utf-8"))["Resources"]
        for resource in resources.values():
            name = resource.get("Metadata", {}).get(BUNDLE_METADATA)
            if resource["Type"] != "AWS::Lambda::Function" or not name:
                continue
            layers = {}
            for ref in resource["Properties"].get("Layers", []):
                layer = resources[ref["Ref"]]
                layer_name = layer.get("Metadata", {}).get(LAYER_METADATA, ref["Ref"])
                layers[layer_name] = _staged_bytes(paths, layer["Properties"]["Content"])
            code = _staged_bytes(paths, resource["Properties"]["Code"])
            sizes[name] = {"code_bytes": code, "layers": layers}
    return sizes


def asset_mismatches(report: Mapping[str, Any], synthesized: Mapping[str, Any]) -> list[str]:
    """Where the assembly's assets do not measure what the report says (or are missing)."""
    found = []
    for fn in report["functions"]:
        if fn["kind"] != ZIP:
            continue
        seen = synthesized.get(fn["name"])
        if seen is None:
            found.append(f"{fn['name']}: not in the cloud assembly")
            continue
        if seen["code_bytes"] != fn["code_bytes"]:
            found.append(f"{fn['name']}: code {seen['code_bytes']} != {fn['code_bytes']}")
        expected = {layer["name"]: layer["unzipped_bytes"] for layer in fn["layers"]}
        if seen["layers"] != expected:
            found.append(f"{fn['name']}: layers {seen['layers']} != {expected}")
    return found


BUNDLE_METADATA = "estudio:bundle"
LAYER_METADATA = "estudio:layer"
