"""``imsmanifest.xml`` for SCORM 1.2 and SCORM 2004 4th Edition, and validation against the
published XSDs shipped beside this module (``schemas/scorm12``, ``schemas/scorm2004``).

One course, one SCO: a single organization whose single item launches ``index.html``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from lxml import etree

from estudio.errors import PackageError

ScormVersion = Literal["scorm12", "scorm2004"]
SCHEMAS = Path(__file__).with_name("schemas")
XSI = "http://www.w3.org/2001/XMLSchema-instance"

# The control files each version's package carries at its root, as published.
SCHEMA_FILES: dict[ScormVersion, tuple[str, ...]] = {
    "scorm12": (
        "adlcp_rootv1p2.xsd",
        "imscp_rootv1p1p2.xsd",
        "imsmd_rootv1p2p1.xsd",
        "ims_xml.xsd",
    ),
    "scorm2004": (
        "imscp_v1p1.xsd",
        "adlcp_v1p3.xsd",
        "adlseq_v1p3.xsd",
        "adlnav_v1p3.xsd",
        "imsss_v1p0.xsd",
        "imsss_v1p0auxresource.xsd",
        "imsss_v1p0control.xsd",
        "imsss_v1p0delivery.xsd",
        "imsss_v1p0limit.xsd",
        "imsss_v1p0objective.xsd",
        "imsss_v1p0random.xsd",
        "imsss_v1p0rollup.xsd",
        "imsss_v1p0seqrule.xsd",
        "imsss_v1p0util.xsd",
        "xml.xsd",
        "XMLSchema.dtd",
        "datatypes.dtd",
    ),
}

NS12 = {
    None: "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
    "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2",
    "xsi": XSI,
}
NS2004 = {
    None: "http://www.imsglobal.org/xsd/imscp_v1p1",
    "adlcp": "http://www.adlnet.org/xsd/adlcp_v1p3",
    "adlseq": "http://www.adlnet.org/xsd/adlseq_v1p3",
    "adlnav": "http://www.adlnet.org/xsd/adlnav_v1p3",
    "imsss": "http://www.imsglobal.org/xsd/imsss",
    "xsi": XSI,
}
SCHEMA_LOCATIONS: dict[ScormVersion, str] = {
    "scorm12": (
        "http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd "
        "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd "
        "http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd"
    ),
    "scorm2004": (
        "http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd "
        "http://www.adlnet.org/xsd/adlcp_v1p3 adlcp_v1p3.xsd "
        "http://www.adlnet.org/xsd/adlseq_v1p3 adlseq_v1p3.xsd "
        "http://www.adlnet.org/xsd/adlnav_v1p3 adlnav_v1p3.xsd "
        "http://www.imsglobal.org/xsd/imsss imsss_v1p0.xsd"
    ),
}


@dataclass(frozen=True)
class CourseEntry:
    """What the manifest says about the course."""

    identifier: str  # unique per render
    title: str
    files: tuple[str, ...]  # every file the SCO uses, relative to the package root
    completion_share: float  # 0-1, the watched share that counts as completed
    pass_share: float | None = None  # 0-1 when the course has a quiz


def identifier_for(job_id: str) -> str:
    """An ``xsd:ID`` (an NCName) derived from the job id."""
    return "estudio-" + re.sub(r"[^A-Za-z0-9_.-]", "-", job_id)


def _q(ns: dict[str | None, str], prefix: str | None, name: str) -> str:
    return f"{{{ns[prefix]}}}{name}"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, tag, {k.replace("__", ":"): v for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _share(value: float) -> str:
    return f"{min(max(value, 0.0), 1.0):.4f}".rstrip("0").rstrip(".") or "0"


def manifest_xml(version: ScormVersion, course: CourseEntry) -> bytes:
    ns = NS12 if version == "scorm12" else NS2004
    cp = ns[None]
    root = etree.Element(
        f"{{{cp}}}manifest",
        {"identifier": course.identifier, "version": "1"},
        nsmap=ns,
    )
    root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATIONS[version])
    metadata = _sub(root, f"{{{cp}}}metadata")
    _sub(metadata, f"{{{cp}}}schema", "ADL SCORM")
    _sub(metadata, f"{{{cp}}}schemaversion", "1.2" if version == "scorm12" else "2004 4th Edition")
    organizations = _sub(root, f"{{{cp}}}organizations", default="course")
    organization = _sub(organizations, f"{{{cp}}}organization", identifier="course")
    _sub(organization, f"{{{cp}}}title", course.title)
    item = _sub(organization, f"{{{cp}}}item", identifier="video", identifierref="sco")
    _sub(item, f"{{{cp}}}title", course.title)
    if version == "scorm12":
        if course.pass_share is not None:
            _sub(item, _q(ns, "adlcp", "masteryscore"), str(round(course.pass_share * 100)))
    else:
        threshold = _sub(item, _q(ns, "adlcp", "completionThreshold"))
        threshold.set("completedByMeasure", "true")
        threshold.set("minProgressMeasure", _share(course.completion_share))
        sequencing = _sub(item, _q(ns, "imsss", "sequencing"))
        if course.pass_share is not None:
            objectives = _sub(sequencing, _q(ns, "imsss", "objectives"))
            primary = _sub(objectives, _q(ns, "imsss", "primaryObjective"))
            primary.set("objectiveID", "quiz")
            primary.set("satisfiedByMeasure", "true")
            _sub(primary, _q(ns, "imsss", "minNormalizedMeasure"), _share(course.pass_share))
        delivery = _sub(sequencing, _q(ns, "imsss", "deliveryControls"))
        delivery.set("completionSetByContent", "true")
        delivery.set("objectiveSetByContent", "true")
    resources = _sub(root, f"{{{cp}}}resources")
    resource = _sub(resources, f"{{{cp}}}resource", identifier="sco", type="webcontent")
    resource.set(_q(ns, "adlcp", "scormtype" if version == "scorm12" else "scormType"), "sco")
    resource.set("href", "index.html")
    for name in course.files:
        _sub(resource, f"{{{cp}}}file", href=name)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


# --- validation ----------------------------------------------------------------------------------
XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"


def _wrapper(locations: str, xml_xsd: Path | None) -> bytes:
    """One schema importing every namespace the manifest mixes, so one pass validates all.

    libxml2 refuses SCORM 1.2's ``ims_xml.xsd`` as published (it binds the ``xml`` namespace as
    the default namespace, which XML Namespaces forbids); it declares the same ``xml:base`` and
    ``xml:lang`` as W3C's ``xml.xsd``, so for 1.2 that one is imported first and the later import
    of the same namespace is skipped. Nor does libxml2 compile ``imsmd_rootv1p2p1.xsd`` (its
    ``annotationType`` breaks the unique-particle rule); the manifest holds no IMS metadata, so it
    is not imported. Both files ship unchanged in the package."""
    parts = locations.split()
    imports = (
        f'<xs:import namespace="{XML_NAMESPACE}" schemaLocation="{xml_xsd}"/>' if xml_xsd else ""
    )
    imports += "".join(
        f'<xs:import namespace="{ns}" schemaLocation="{loc}"/>'
        for ns, loc in zip(parts[0::2], parts[1::2], strict=True)
        if loc != "imsmd_rootv1p2p1.xsd"
    )
    return (
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        f'targetNamespace="urn:estudio:manifest-check">{imports}</xs:schema>'
    ).encode()


@cache
def _schema(folder: Path, locations: str, xml_xsd: Path | None) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    document = etree.fromstring(_wrapper(locations, xml_xsd), parser, base_url=str(folder) + "/")
    return etree.XMLSchema(document)


def validate_manifest(xml: bytes, version: ScormVersion, schema_dir: Path | None = None) -> None:
    """Raise ``PackageError`` unless ``xml`` validates against the version's XSDs in
    ``schema_dir`` (default: the ones this module ships; a test passes an unzipped package)."""
    folder = (schema_dir or SCHEMAS / version).resolve()
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    document = etree.fromstring(xml, parser)
    xml_xsd = (SCHEMAS / "scorm2004" / "xml.xsd").resolve() if version == "scorm12" else None
    schema = _schema(folder, SCHEMA_LOCATIONS[version], xml_xsd)
    if not schema.validate(document):
        error = schema.error_log.last_error
        raise PackageError(f"imsmanifest.xml ({version}) line {error.line}: {error.message}")
