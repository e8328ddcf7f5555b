"""``imsmanifest.xml`` for SCORM 1.2 and 2004 4th Edition, validated against the published XSDs
the packages ship (which must stay byte-for-byte as published)."""

from __future__ import annotations

import hashlib

import pytest
from lxml import etree

from estudio.errors import PackageError
from estudio.lms.manifest import (
    NS12,
    NS2004,
    SCHEMA_FILES,
    SCHEMAS,
    CourseEntry,
    ScormVersion,
    identifier_for,
    manifest_xml,
    validate_manifest,
)

FILES = ("index.html", "player.js", "course.js", "video.mp4", "subtitles.vtt")
# SHA-256 of the schema files as shipped (LF line ends). Every SCORM 2004 file but imscp_v1p1.xsd,
# and adlcp_rootv1p2.xsd / imscp_rootv1p1p2.xsd, match ADL's own distributions byte for byte;
# see docs/adr/0009-scorm-packages.md for the provenance of each.
PUBLISHED = {
    "scorm12/adlcp_rootv1p2.xsd": (
        "166397a1f52585caac857228cf2b10085a5d07c0612a3d55cb3ed108ce8b028a"
    ),
    "scorm12/ims_xml.xsd": "1b3a43ddef4fa814a6dce69c4dbbfc25e00e0edc76a0cccfec7ed0a59c6a37b0",
    "scorm12/imscp_rootv1p1p2.xsd": (
        "e45606348d7f517874d70ec102796526a63a85e54a4a1db5e6a5944449674d31"
    ),
    "scorm12/imsmd_rootv1p2p1.xsd": (
        "83879be70d6bdff1d8788d4efcb12d51380de1b242f1a2a16e271a040dce8a5d"
    ),
    "scorm2004/XMLSchema.dtd": "a5e98f4f28d11c58f132ee771350f41930a10a5d22acc280e0ce8501e5603bbe",
    "scorm2004/adlcp_v1p3.xsd": "87cefec31b160a1ecc9ffd1475bee6cb0e2d71b2bcd76ba1a08df0ac90cf8f7d",
    "scorm2004/adlnav_v1p3.xsd": "1fc2678e9acaee07ba8b0da93caa5f52da5167f2999c4adbd0a4ad74c15c8bfb",
    "scorm2004/adlseq_v1p3.xsd": "162b5ca35a3fc43107efe0f78f5216c76f6cad8e13921c8332b7b82db7c4ae08",
    "scorm2004/datatypes.dtd": "d46c4f4c9384a0dc2f922c71af0405ebe1d64fae77cfd860b64f9600ca395427",
    "scorm2004/imscp_v1p1.xsd": "a5333c5b9a392d4f21d20b188eb77dec2f04021642a6232f3c07ef8032fe233e",
    "scorm2004/imsss_v1p0.xsd": "53565d8b23842d5b667beffa4ed100e3e06cdd778b60b85efc38e7a9a1f52a90",
    "scorm2004/imsss_v1p0auxresource.xsd": (
        "c0dd16d707f37c4d26484d7c233eea6d9ccbb8bad643040359f4b4f2944c057a"
    ),
    "scorm2004/imsss_v1p0control.xsd": (
        "c8564177ca7b1c241d6ca893652f6946eb91fee450dce8607ba2189ba88e7969"
    ),
    "scorm2004/imsss_v1p0delivery.xsd": (
        "58d4f343e3302e2986a641b066a3f0b30bd895b62d358a184cb5c3455427392c"
    ),
    "scorm2004/imsss_v1p0limit.xsd": (
        "debda0a7fe2a1ce6e063383c4efc9fbd5f2341355c85d66062742657be2418a9"
    ),
    "scorm2004/imsss_v1p0objective.xsd": (
        "776e091df47e934432c78703e552482e83165f75c9bf89c6320ee035ecd7ae69"
    ),
    "scorm2004/imsss_v1p0random.xsd": (
        "3442393c455d8a984853c1c7cdf1bf6ccf4d0c58452c0e39b6c0aab65339f597"
    ),
    "scorm2004/imsss_v1p0rollup.xsd": (
        "85100e4c7ba8eff77102d73d2ce265ddd803d13191a1d2b81bf3bf8bb1eac554"
    ),
    "scorm2004/imsss_v1p0seqrule.xsd": (
        "b8fbd362e2408d318ae97cc70a7d3a8a536db29150b7ef7b355f394d06027023"
    ),
    "scorm2004/imsss_v1p0util.xsd": (
        "b7234f3f62ede3f8dc6cd35053805ad021b4642b54f34b7960945981be95a438"
    ),
    "scorm2004/xml.xsd": "95907dad3dea7debdd26bddeab77e3946b95370329994beefa74253be105c3e2",
}


def course(pass_share: float | None = 0.7) -> CourseEntry:
    return CourseEntry(
        identifier=identifier_for("20261201-120000-abc123"),
        title="NR-10 & <Segurança>",
        files=FILES,
        completion_share=0.9,
        pass_share=pass_share,
    )


def test_given_the_shipped_schemas_then_they_are_the_published_files_unchanged() -> None:
    shipped = {
        f"{version}/{name}": hashlib.sha256((SCHEMAS / version / name).read_bytes()).hexdigest()
        for version, names in SCHEMA_FILES.items()
        for name in names
    }
    assert shipped == PUBLISHED


@pytest.mark.parametrize("version", ["scorm12", "scorm2004"])
@pytest.mark.parametrize("pass_share", [None, 0.7])
def test_given_a_course_when_its_manifest_is_built_then_it_validates_against_the_xsds(
    version: ScormVersion, pass_share: float | None
) -> None:
    validate_manifest(manifest_xml(version, course(pass_share)), version)


def test_given_scorm12_then_the_manifest_says_adl_scorm_1_2_and_lists_every_file() -> None:
    root = etree.fromstring(manifest_xml("scorm12", course()))
    ns = {"cp": NS12[None], "adlcp": NS12["adlcp"]}
    assert root.findtext("cp:metadata/cp:schema", namespaces=ns) == "ADL SCORM"
    assert root.findtext("cp:metadata/cp:schemaversion", namespaces=ns) == "1.2"
    resources = root.findall("cp:resources/cp:resource", ns)
    assert len(resources) == 1  # one SCO
    sco = resources[0]
    assert sco.get(f"{{{NS12['adlcp']}}}scormtype") == "sco"
    assert sco.get("href") == "index.html"
    assert [f.get("href") for f in sco.findall("cp:file", ns)] == list(FILES)
    item = root.find("cp:organizations/cp:organization/cp:item", ns)
    assert item is not None and item.get("identifierref") == "sco"
    assert item.findtext("adlcp:masteryscore", namespaces=ns) == "70"
    assert root.findtext("cp:organizations/cp:organization/cp:title", namespaces=ns) == (
        "NR-10 & <Segurança>"
    )


def test_given_scorm2004_then_completion_and_passing_are_declared_by_measure() -> None:
    root = etree.fromstring(manifest_xml("scorm2004", course()))
    ns = {"cp": NS2004[None], "adlcp": NS2004["adlcp"], "imsss": NS2004["imsss"]}
    assert root.findtext("cp:metadata/cp:schemaversion", namespaces=ns) == "2004 4th Edition"
    sco = root.find("cp:resources/cp:resource", ns)
    assert sco is not None and sco.get(f"{{{NS2004['adlcp']}}}scormType") == "sco"
    item = root.find("cp:organizations/cp:organization/cp:item", ns)
    assert item is not None
    threshold = item.find("adlcp:completionThreshold", ns)
    assert threshold is not None
    assert threshold.get("completedByMeasure") == "true"
    assert threshold.get("minProgressMeasure") == "0.9"
    measure = item.findtext(
        "imsss:sequencing/imsss:objectives/imsss:primaryObjective/imsss:minNormalizedMeasure",
        namespaces=ns,
    )
    assert measure == "0.7"


@pytest.mark.parametrize(
    ("version", "broken"),
    [
        ("scorm12", (b"adlcp:scormtype", b"adlcp:scormType")),  # the 2004 spelling
        ("scorm12", (b"<schemaversion>1.2</schemaversion>", b"<version>1.2</version>")),
        ("scorm2004", (b"minProgressMeasure", b"minimumProgress")),
        ("scorm2004", (b"<imsss:minNormalizedMeasure>0.7", b"<imsss:minNormalizedMeasure>7")),
    ],
)
def test_given_a_broken_manifest_then_validation_fails_with_the_line(
    version: ScormVersion, broken: tuple[bytes, bytes]
) -> None:
    xml = manifest_xml(version, course())
    assert broken[0] in xml
    with pytest.raises(PackageError, match="line"):
        validate_manifest(xml.replace(*broken), version)


def test_given_any_job_id_then_the_identifier_is_an_xml_id() -> None:
    assert identifier_for("20261201-120000-abc123") == "estudio-20261201-120000-abc123"
    assert identifier_for("rnd_0f:1") == "estudio-rnd_0f-1"
