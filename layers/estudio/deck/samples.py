"""Decks the project makes itself: the bundled NR-10 example, synthetic benchmark decks of any
length, and a set of hostile files for the parse stage's defences.

Everything here is generated with python-pptx and Pillow (no binary fixtures in the repository
besides the example deck this module writes).
"""

from __future__ import annotations

import io
import os
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageDraw
from pptx import Presentation
from pptx.presentation import Presentation as PresentationType
from pptx.slide import Slide
from pptx.util import Emu, Pt

from estudio.deck.safety import CFB_MAGIC

WIDE = (Emu(12_192_000), Emu(6_858_000))  # 16:9, 13.333 x 7.5 in
FIXED_DATE = datetime(2025, 1, 1, 12, 0, 0)
CHARS_PER_SECOND = 15.0  # espeak-ng pt-BR at its default rate speaks about 14-16 characters/s

LAYOUT_TITLE, LAYOUT_CONTENT, LAYOUT_TITLE_ONLY = 0, 1, 5


# --- writing -------------------------------------------------------------------------------------
def _write_atomic(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a deck is an ordinary readable file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _save(prs: PresentationType, path: Path) -> Path:
    """Save with fixed dates (document properties and zip entries): the same deck, same bytes."""
    props = prs.core_properties
    props.created = props.modified = FIXED_DATE
    props.last_modified_by = "Estúdio"
    props.revision = 1
    buf = io.BytesIO()
    prs.save(buf)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(buf) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst,
    ):
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_DATE.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, src.read(info))
    return _write_atomic(path, out.getvalue())


def _wide_presentation(title: str) -> PresentationType:
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDE
    props = prs.core_properties
    props.title = title
    props.author = "Estúdio"
    props.language = "pt-BR"
    props.subject = "Treinamento"
    return prs


def _place(slide: Slide, title_box: tuple[float, float, float, float] | None = None) -> None:
    """Move the (4:3) layout's placeholders into 16:9 positions, in inches."""
    boxes = {0: title_box or (0.7, 0.4, 11.9, 1.3), 1: (0.9, 1.9, 11.5, 5.0)}
    for ph in slide.placeholders:
        box = boxes.get(ph.placeholder_format.idx)
        if box is None:
            continue
        ph.left, ph.top, ph.width, ph.height = (Emu(int(v * 914_400)) for v in box)


def _bullets(slide: Slide, lines: list[str], size_pt: int = 26) -> None:
    body = slide.placeholders[1].text_frame
    body.text = lines[0]
    for line in lines[1:]:
        body.add_paragraph().text = line
    for para in body.paragraphs:
        for run in para.runs:
            run.font.size = Pt(size_pt)


def _notes(slide: Slide, text: str) -> None:
    frame = slide.notes_slide.notes_text_frame
    if frame is None:
        raise ValueError("the notes master has no body placeholder")
    frame.text = text


def _warning_sign_png(size: int = 360) -> bytes:
    """A yellow high-voltage warning triangle with a lightning bolt, drawn with Pillow."""
    img = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(img)
    margin = size // 12
    triangle = [(size // 2, margin), (size - margin, size - margin), (margin, size - margin)]
    draw.polygon(triangle, fill=(250, 204, 21), outline=(20, 20, 20), width=size // 24)
    s = size / 360
    bolt = [(200, 95), (140, 215), (185, 215), (160, 305), (235, 175), (190, 175), (220, 95)]
    draw.polygon([(x * s, y * s) for x, y in bolt], fill=(20, 20, 20))
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


# --- the bundled example -------------------------------------------------------------------------
def make_example_deck(path: Path) -> Path:
    """The NR-10 electrical-safety training deck bundled as the project's example (16:9, pt-BR,
    7 slides: one hidden, one without notes, one table, one picture)."""
    prs = _wide_presentation("NR-10 — Segurança em Instalações e Serviços em Eletricidade")

    s = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE])
    _place(s, (0.9, 2.0, 11.5, 1.6))
    s.shapes.title.text = "NR-10: Segurança em Eletricidade"
    s.placeholders[1].text = "Treinamento básico — módulo 1"
    s.placeholders[1].left, s.placeholders[1].top = Emu(822_960), Emu(3_566_160)
    s.placeholders[1].width, s.placeholders[1].height = Emu(10_515_600), Emu(1_005_840)
    _notes(
        s,
        "Olá! Bem-vindos ao treinamento de segurança em instalações e serviços em eletricidade. "
        "Vamos aos pontos principais da NR-10.",
    )

    s = prs.slides.add_slide(prs.slide_layouts[LAYOUT_CONTENT])
    _place(s)
    s.shapes.title.text = "Para que serve a NR-10"
    _bullets(
        s,
        [
            "Requisitos mínimos de segurança para quem trabalha com eletricidade",
            "Geração, transmissão, distribuição e consumo",
            "Vale para qualquer tensão: de 220 V a 13,8 kV ou mais",
        ],
    )
    _notes(
        s,
        "A NR-10 define os requisitos mínimos para proteger quem trabalha com eletricidade, "
        "em qualquer tensão: dos 220 V de uma tomada aos 13,8 kV da rede de distribuição.",
    )

    s = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
    _place(s)
    s.shapes.title.text = "Faixas de tensão"
    rows = [
        ("Faixa", "Corrente alternada", "Exemplo"),
        ("Extrabaixa tensão", "até 50 V", "ferramentas portáteis"),
        ("Baixa tensão", "de 50 V a 1.000 V", "tomadas de 220 V"),
        ("Alta tensão", "acima de 1.000 V", "rede urbana de 13,8 kV"),
    ]
    table = s.shapes.add_table(
        len(rows), 3, Emu(822_960), Emu(1_828_800), Emu(10_515_600), Emu(3_200_400)
    ).table
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            cell = table.cell(r, c)
            cell.text = value
            for para in cell.text_frame.paragraphs:
                for run in para.runs:
                    run.font.size = Pt(22)
    _notes(
        s,
        "Acima de 1.000 V já é alta tensão, como os 13,8 kV da rede urbana. "
        "As instalações de baixa tensão seguem a NBR 5410.",
    )

    s = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
    _place(s, (0.7, 0.4, 7.0, 1.3))
    s.shapes.title.text = "Proteção: EPI e EPC"
    box = s.shapes.add_textbox(Emu(640_080), Emu(1_920_240), Emu(6_400_800), Emu(3_657_600))
    frame = box.text_frame
    frame.word_wrap = True
    frame.text = "EPI: luvas isolantes, capacete, óculos e vestimenta antichama"
    frame.add_paragraph().text = "EPC: tapetes isolantes, barreiras e sinalização"
    for para in frame.paragraphs:
        for run in para.runs:
            run.font.size = Pt(24)
    s.shapes.add_picture(
        io.BytesIO(_warning_sign_png()),
        Emu(7_955_280),
        Emu(1_463_040),
        Emu(3_840_480),
        Emu(3_840_480),
    )
    _notes(
        s,
        "Use os EPI, como luvas isolantes e capacete, e os EPC, como tapetes isolantes "
        "e sinalização. Se a bateria do detector de tensão estiver abaixo de 75%, troque-a.",
    )

    s = prs.slides.add_slide(prs.slide_layouts[LAYOUT_CONTENT])
    _place(s)
    s.shapes.title.text = "Anotações do instrutor"
    _bullets(s, ["Conferir a lista de presença", "Distribuir o material de apoio"])
    _notes(s, "Este slide fica oculto: ele não aparece no vídeo.")
    s._element.set("show", "0")

    s = prs.slides.add_slide(prs.slide_layouts[LAYOUT_CONTENT])
    _place(s)
    s.shapes.title.text = "Desenergização, passo a passo"
    _bullets(
        s,
        [
            "Seccionamento do circuito",
            "Impedimento de reenergização",
            "Constatação da ausência de tensão",
            "Instalação de aterramento temporário",
            "Proteção dos elementos energizados próximos",
            "Sinalização de impedimento de reenergização",
        ],
        size_pt=24,
    )

    s = prs.slides.add_slide(prs.slide_layouts[LAYOUT_CONTENT])
    _place(s)
    s.shapes.title.text = "Capacitação e reciclagem"
    _bullets(
        s,
        [
            "Curso básico: 40 horas",
            "Reciclagem a cada 2 anos",
            "Próxima turma: 1º de março, às 14h30",
        ],
    )
    _notes(
        s,
        "O curso básico tem 40 horas, com reciclagem a cada dois anos. A próxima turma "
        "começa em 1º de março, às 14h30; a inscrição custa R$ 1.500,00. Bom trabalho!",
    )
    return _save(prs, path)


# --- benchmark decks -----------------------------------------------------------------------------
_SENTENCES = (
    "Antes de começar qualquer serviço, confirme que o circuito está desenergizado.",
    "A sinalização de segurança deve ficar visível durante toda a intervenção.",
    "Use luvas isolantes adequadas à tensão do circuito em que vai trabalhar.",
    "Mantenha a área de trabalho limpa, seca e livre de materiais condutores.",
    "Em caso de dúvida, pare o serviço e consulte o responsável técnico.",
    "O aterramento temporário protege a equipe contra reenergização acidental.",
    "Ferramentas com isolamento danificado devem ser retiradas de uso imediatamente.",
    "Registre cada etapa do procedimento na ordem de serviço.",
    "A comunicação clara entre a equipe evita erros de manobra.",
    "Trabalhos em altura exigem também o cumprimento da NR-35.",
)


def _sized_text(chars: int, offset: int) -> str:
    """Whole sentences from the pool, the last one cut at a word, about ``chars`` long."""
    out: list[str] = []
    i = offset
    while True:
        sentence = _SENTENCES[i % len(_SENTENCES)]
        used = len(" ".join(out))
        if used + len(sentence) + 1 <= chars:
            out.append(sentence)
            i += 1
            continue
        words: list[str] = []
        for word in sentence.rstrip(".").split():
            if used + len(" ".join([*words, word])) + 2 > chars and (words or out):
                break
            words.append(word)
        if words:
            out.append(" ".join(words).rstrip(",;:") + ".")
        return " ".join(out)


def make_benchmark_deck(path: Path, slides: int, seconds_per_slide: float = 6.0) -> Path:
    """A synthetic pt-BR deck of ``slides`` slides whose notes each speak for about
    ``seconds_per_slide`` seconds (at ``CHARS_PER_SECOND``)."""
    if slides < 1:
        raise ValueError("a benchmark deck needs at least one slide")
    prs = _wide_presentation(f"Deck de teste com {slides} slides")
    chars = max(1, round(seconds_per_slide * CHARS_PER_SECOND))
    for n in range(slides):
        s = prs.slides.add_slide(prs.slide_layouts[LAYOUT_CONTENT])
        _place(s)
        s.shapes.title.text = f"Módulo {n + 1}"
        _bullets(s, [_SENTENCES[(n + k) % len(_SENTENCES)] for k in range(3)], size_pt=24)
        _notes(s, _sized_text(chars, n))
    return _save(prs, path)


# --- hostile files -------------------------------------------------------------------------------
def png_header(width: int, height: int) -> bytes:
    """A valid PNG whose header claims ``width`` x ``height`` with almost no pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00"))
        + chunk(b"IEND", b"")
    )


def _base_deck() -> bytes:
    """A one-slide deck with a title and a small picture (the raw material of the hostile set)."""
    prs = Presentation()
    s = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
    s.shapes.title.text = "Slide de teste"
    s.shapes.add_picture(io.BytesIO(png_header(4, 4)), Emu(914_400), Emu(1_828_800))
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def _rezip(
    source: bytes,
    edit: Callable[[str, bytes], bytes | None] | None = None,
    extra: Mapping[str, bytes] | None = None,
) -> bytes:
    """Copy a zip, passing each entry through ``edit`` (None drops it), then append ``extra``."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(source)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info)
            if edit is not None:
                edited = edit(info.filename, data)
                if edited is None:
                    continue
                data = edited
            dst.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            dst.writestr(name, data)
    return out.getvalue()


def _make_zip(entries: Mapping[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return out.getvalue()


def _zip_bomb(base: bytes, expanded_bytes: int) -> bytes:
    out = io.BytesIO(_rezip(base))
    zero_block = bytes(1024 * 1024)
    with (
        zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
        zf.open("ppt/media/padding.bin", "w", force_zip64=True) as part,
    ):
        for _ in range(expanded_bytes // len(zero_block)):
            part.write(zero_block)
    return out.getvalue()


def _patch_central_size(data: bytes, name: str, new_size: int) -> bytes:
    """Rewrite the uncompressed size the central directory declares for ``name``."""
    raw = bytearray(data)
    marker = b"PK\x01\x02"
    pos = raw.find(marker)
    while pos != -1:
        name_len = struct.unpack_from("<H", raw, pos + 28)[0]
        if raw[pos + 46 : pos + 46 + name_len].decode() == name:
            struct.pack_into("<I", raw, pos + 24, new_size)
            return bytes(raw)
        pos = raw.find(marker, pos + 4)
    raise KeyError(name)


def _cfb(*stream_names: str) -> bytes:
    """An OLE compound file header plus a directory sector naming ``stream_names``."""
    header = CFB_MAGIC + bytes(504)
    directory = bytearray(512)
    for i, stream in enumerate(stream_names[:4]):
        encoded = (stream + "\x00").encode("utf-16-le")
        directory[i * 128 : i * 128 + len(encoded)] = encoded
        struct.pack_into("<H", directory, i * 128 + 64, len(encoded))
    return header + bytes(directory)


_DOCX_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" '
    b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_DOCX_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
_DOCX_BODY = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>Relatorio</w:t></w:r></w:p></w:body></w:document>"
)
_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
)


def make_hostile_decks(directory: Path) -> dict[str, Path]:
    """Write one file per hostile case into ``directory``; returns case name → path.

    Cases: ``empty_file``, ``renamed_text``, ``truncated_zip``, ``zip_bomb``, ``huge_declared``,
    ``understated_size``, ``encrypted``, ``legacy_ppt``, ``docx_like``, ``path_traversal``,
    ``strict_ooxml``, ``xml_entities``, ``broken_slide_xml``, ``only_hidden``, ``huge_picture``.
    """
    directory.mkdir(parents=True, exist_ok=True)
    base = _base_deck()

    def hide(name: str, data: bytes) -> bytes:
        if name == "ppt/slides/slide1.xml":
            return data.replace(b"<p:sld ", b'<p:sld show="0" ', 1)
        return data

    def huge_picture(name: str, data: bytes) -> bytes:
        return png_header(30_000, 30_000) if name.startswith("ppt/media/") else data

    def strict(name: str, data: bytes) -> bytes:
        if name == "_rels/.rels":
            return data.replace(
                b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/",
                b"http://purl.oclc.org/ooxml/officeDocument/relationships/",
            )
        return data

    def entities(name: str, data: bytes) -> bytes:
        if name == "ppt/presentation.xml":
            return _LAUGHS + data.split(b"?>", 1)[1]
        return data

    def broken_slide(name: str, data: bytes) -> bytes:
        return data[: len(data) // 2] if name == "ppt/slides/slide1.xml" else data

    plain = _rezip(base, extra={"ppt/media/notes.txt": bytes(2048)})
    understated = _patch_central_size(plain, "ppt/media/notes.txt", 16)
    files: dict[str, bytes] = {
        "empty_file": b"",
        "renamed_text": "Isto é um arquivo de texto, não uma apresentação.\n".encode(),
        "truncated_zip": base[: len(base) // 2],
        "zip_bomb": _zip_bomb(base, 32 * 1024 * 1024),
        "huge_declared": _patch_central_size(plain, "ppt/media/notes.txt", 0xFFFF_FFF0),
        "understated_size": understated,
        "encrypted": _cfb("Root Entry", "EncryptionInfo", "EncryptedPackage"),
        "legacy_ppt": _cfb("Root Entry", "PowerPoint Document", "Current User"),
        "docx_like": _make_zip(
            {
                "[Content_Types].xml": _DOCX_TYPES,
                "_rels/.rels": _DOCX_RELS,
                "word/document.xml": _DOCX_BODY,
            }
        ),
        "path_traversal": _rezip(base, extra={"../../escape.txt": b"x"}),
        "strict_ooxml": _rezip(base, edit=strict),
        "xml_entities": _rezip(base, edit=entities),
        "broken_slide_xml": _rezip(base, edit=broken_slide),
        "only_hidden": _rezip(base, edit=hide),
        "huge_picture": _rezip(base, edit=huge_picture),
    }
    suffix = {"renamed_text": ".txt.pptx"}
    return {
        name: _write_atomic(directory / f"{name}{suffix.get(name, '.pptx')}", data)
        for name, data in files.items()
    }
