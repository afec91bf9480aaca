"""What a file's first bytes show, by the ``filetype`` library's signatures."""

from __future__ import annotations

import filetype


class FiletypeFormatSniffer:
    def sniff(self, head: bytes) -> str | None:
        kind = filetype.guess(head)
        return None if kind is None else str(kind.mime)
