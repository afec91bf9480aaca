"""The text of a CV file: PDF through ``pypdf``, DOCX through ``python-docx``.

The first bytes must be those of the claimed type (``%PDF-`` within the first kilobyte, as
readers allow; ``PK\\x03\\x04`` for DOCX) before a parser sees the file. An encrypted PDF, one
with more pages than ``max_pages``, a file its parser cannot read, a DOCX whose parts would
unpack to more than ``MAX_DOCX_UNPACKED`` bytes, another media type and a file with no text
(a scanned image) are all ``InvalidValue`` on field ``cv``. A PDF's pages are separated by a
blank line, a DOCX's paragraphs and table cells read in order. The text is tidied (NULs and
control characters dropped, runs of spaces collapsed, line breaks kept, at most one blank
line in a row) and clipped to ``max_chars``."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator

import docx
import pypdf
from docx.document import Document as DocxDocument
from docx.opc.exceptions import OpcError
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf.errors import PyPdfError

from domain.shared.errors import InvalidValue

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_DOCX_UNPACKED = 64 * 1024 * 1024
FIELD = "cv"

# What parsers raise on a broken file, beyond their own errors.
_CORRUPT: tuple[type[BaseException], ...] = (
    ValueError, KeyError, IndexError, TypeError, AttributeError, AssertionError, EOFError,
    OverflowError, ZeroDivisionError, RecursionError, struct.error, zlib.error,
    UnicodeError, NotImplementedError, OSError,
)
_PDF_ERRORS: tuple[type[BaseException], ...] = (PyPdfError, *_CORRUPT)
# lxml's XMLSyntaxError (a corrupt part) is a SyntaxError.
_DOCX_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile, zipfile.LargeZipFile, OpcError, SyntaxError, *_CORRUPT)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufeff\u200b]")
_LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")
_SPACES = re.compile(r"[ \t\xa0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_BLANKS = re.compile(r"\n{3,}")


def tidy(text: str) -> str:
    """``text`` with line breaks unified, NULs and control characters dropped, runs of
    spaces made one, lines trimmed and at most one blank line in a row."""
    text = _LINE_BREAKS.sub("\n", text)
    text = _CONTROL.sub("", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


class DocumentCvReader:
    """A ``CvReader`` for PDF and DOCX files."""

    def __init__(self, max_pages: int = 10, max_chars: int = 50_000) -> None:
        self.max_pages = max_pages
        self.max_chars = max_chars

    def text(self, content: bytes, media_type: str) -> str:
        kind = media_type.split(";", 1)[0].strip().lower()
        if kind == PDF:
            raw = self._pdf(content)
        elif kind == DOCX:
            raw = self._docx(content)
        else:
            raise InvalidValue("a CV must be a PDF or a DOCX file", FIELD)
        text = tidy(raw)
        if not text:
            raise InvalidValue("the CV holds no text (a scanned image?)", FIELD)
        return text[:self.max_chars].rstrip()

    def _pdf(self, content: bytes) -> str:
        if b"%PDF-" not in content[:1024]:
            raise InvalidValue("the file is not a readable PDF", FIELD)
        try:
            reader = pypdf.PdfReader(io.BytesIO(content))
            if reader.is_encrypted:
                raise InvalidValue("the PDF is encrypted: save it without a password", FIELD)
            pages = len(reader.pages)
            if pages > self.max_pages:
                raise InvalidValue(f"the CV has {pages} pages; at most {self.max_pages} "
                                   "are read", FIELD)
            parts: list[str] = []
            budget = self.max_chars * 2  # enough to tidy and clip; stop reading after it
            for page in reader.pages:
                parts.append((page.extract_text() or "").strip())
                budget -= len(parts[-1])
                if budget <= 0:
                    break
        except _PDF_ERRORS as error:
            raise InvalidValue("the file is not a readable PDF", FIELD) from error
        return "\n\n".join(parts)

    def _docx(self, content: bytes) -> str:
        if not content.startswith(b"PK\x03\x04"):
            raise InvalidValue("the file is not a readable DOCX", FIELD)
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                members = archive.infolist()
                if "word/document.xml" not in {member.filename for member in members}:
                    raise InvalidValue("the file is not a readable DOCX", FIELD)
                if sum(member.file_size for member in members) > MAX_DOCX_UNPACKED:
                    raise InvalidValue("the DOCX unpacks to more than a CV can hold", FIELD)
            document = docx.Document(io.BytesIO(content))
            lines = list(_document_lines(document))
        except _DOCX_ERRORS as error:
            raise InvalidValue("the file is not a readable DOCX", FIELD) from error
        return "\n".join(lines)


def _document_lines(document: DocxDocument) -> Iterator[str]:
    for block in document.iter_inner_content():
        yield from _block_lines(block)


def _block_lines(block: Paragraph | Table) -> Iterator[str]:
    """The lines of a paragraph, or of a table cell by cell in reading order (a merged cell
    once), nested tables included."""
    if isinstance(block, Paragraph):
        yield block.text
        return
    for row in block.rows:
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell repeats across the grid
                continue
            seen.add(id(cell._tc))
            for inner in cell.iter_inner_content():
                yield from _block_lines(inner)
