"""The CV reader over real files built here: PDFs written with pypdf (a text content stream
and a Helvetica font), DOCX files written with python-docx."""

from __future__ import annotations

import io

import docx
import pytest
from pypdf import PdfWriter
from pypdf.generic import (
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
)

from adapters.outbound.career.cv_text import DOCX, PDF, DocumentCvReader, tidy
from domain.shared.errors import InvalidValue


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf_bytes(*pages: list[str], password: str | None = None) -> bytes:
    """A PDF with one page per list of lines, each line drawn in Helvetica 12."""
    writer = PdfWriter()
    font = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
    })
    font_ref = writer._add_object(font)
    for lines in pages:
        page = writer.add_blank_page(width=612, height=792)
        ops = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td"]
        for line in lines:
            ops += [f"({_escape(line)}) Tj", "T*"]
        ops.append("ET")
        stream = DecodedStreamObject()
        stream.set_data("\n".join(ops).encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject({
            NameObject("/Font"): DictionaryObject({NameObject("/F1"): font_ref})})
    if password is not None:
        writer.encrypt(password, algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_bytes(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    document.add_paragraph("After the table")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def refused(content: bytes, media_type: str, reader: DocumentCvReader | None = None) -> str:
    with pytest.raises(InvalidValue) as caught:
        (reader or DocumentCvReader()).text(content, media_type)
    assert caught.value.field == "cv"
    return caught.value.message


def test_the_text_of_a_pdf_is_read_line_by_line() -> None:
    content = pdf_bytes(["Ann Lee", "Skills:   Python,  SQL and Git", "Built (2) APIs"],
                        ["Education", "BSc Computer Science 2024"])
    text = DocumentCvReader().text(content, PDF)
    lines = text.splitlines()
    assert lines[0] == "Ann Lee"
    assert "Skills: Python, SQL and Git" in lines
    assert "Built (2) APIs" in lines
    assert lines[-3:] == ["", "Education", "BSc Computer Science 2024"]


def test_a_media_type_with_parameters_is_accepted() -> None:
    assert DocumentCvReader().text(pdf_bytes(["Hello"]), "Application/PDF; q=1") == "Hello"


def test_a_pdf_with_more_pages_than_the_limit_is_refused() -> None:
    content = pdf_bytes(*[[f"Page {n}"] for n in range(4)])
    assert refused(content, PDF, DocumentCvReader(max_pages=3)) == (
        "the CV has 4 pages; at most 3 are read")
    assert DocumentCvReader(max_pages=4).text(content, PDF) == (
        "Page 0\n\nPage 1\n\nPage 2\n\nPage 3")  # a blank line between pages


def test_an_encrypted_pdf_is_refused() -> None:
    assert "encrypted" in refused(pdf_bytes(["Secret CV"], password="pw"), PDF)


@pytest.mark.parametrize("content", [
    b"this is not a pdf at all",
    b"%PDF-1.7\n" + b"\x00garbage\xff" * 50,
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>",
    b"",
])
def test_garbage_labelled_pdf_is_not_a_readable_pdf(content: bytes) -> None:
    assert refused(content, PDF) == "the file is not a readable PDF"


def test_a_truncated_pdf_is_not_a_readable_pdf() -> None:
    content = pdf_bytes(["Ann Lee", "Python"])
    assert refused(content[: len(content) // 3], PDF) == "the file is not a readable PDF"


def test_a_pdf_without_text_holds_no_text() -> None:
    assert refused(pdf_bytes([]), PDF) == "the CV holds no text (a scanned image?)"


def test_the_text_of_a_docx_reads_paragraphs_and_table_cells_in_order() -> None:
    content = docx_bytes(["Ann Lee", "Skills:\tPython,   Flask", "", "", "", "Experience"],
                         [["Role", "Years"], ["Backend intern", "2023"]])
    text = DocumentCvReader().text(content, DOCX)
    assert text.splitlines() == ["Ann Lee", "Skills: Python, Flask", "", "Experience", "Role",
                                 "Years", "Backend intern", "2023", "After the table"]


def test_a_merged_table_cell_is_read_once() -> None:
    document = docx.Document()
    grid = document.add_table(rows=1, cols=3)
    merged = grid.cell(0, 0).merge(grid.cell(0, 1))
    merged.text = "Wide cell"
    grid.cell(0, 2).text = "Narrow"
    out = io.BytesIO()
    document.save(out)
    assert DocumentCvReader().text(out.getvalue(), DOCX).splitlines() == ["Wide cell",
                                                                          "Narrow"]


def test_a_pdf_labelled_docx_is_refused() -> None:
    assert refused(pdf_bytes(["Ann Lee"]), DOCX) == "the file is not a readable DOCX"


@pytest.mark.parametrize("content", [
    b"PK\x03\x04 then nothing a zip reader can use",
    b"plain text",
])
def test_garbage_labelled_docx_is_not_a_readable_docx(content: bytes) -> None:
    assert refused(content, DOCX) == "the file is not a readable DOCX"


def test_a_zip_that_is_no_word_document_is_refused() -> None:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "Python and SQL")
    assert refused(out.getvalue(), DOCX) == "the file is not a readable DOCX"


def test_a_docx_with_a_corrupt_document_part_is_refused() -> None:
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(docx_bytes(["Ann Lee"])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                data = data[: len(data) // 2]
            archive.writestr(item, data)
    assert refused(out.getvalue(), DOCX) == "the file is not a readable DOCX"


def test_an_empty_docx_holds_no_text() -> None:
    document = docx.Document()
    document.add_paragraph("   ")
    out = io.BytesIO()
    document.save(out)
    assert refused(out.getvalue(), DOCX) == "the CV holds no text (a scanned image?)"


@pytest.mark.parametrize("media_type", ["text/plain", "application/msword", "image/png", ""])
def test_another_media_type_is_refused(media_type: str) -> None:
    assert refused(pdf_bytes(["Ann"]), media_type) == "a CV must be a PDF or a DOCX file"


def test_the_text_is_clipped_to_max_chars() -> None:
    content = docx_bytes(["Python " * 40])
    text = DocumentCvReader(max_chars=20).text(content, DOCX)
    assert text == "Python Python Python"


def test_tidy_drops_nuls_collapses_spaces_and_keeps_line_breaks() -> None:
    assert tidy("  Ann\x00 \t Lee  \r\nPython\xa0\xa0SQL\n\n\n\n\nGit\x0cEnd ") == (
        "Ann Lee\nPython SQL\n\nGit\nEnd")
