"""The languages eduport speaks to people in."""

from __future__ import annotations

from enum import StrEnum


class Locale(StrEnum):
    EN = "en"
    AR = "ar"

    @classmethod
    def from_accept_language(cls, header: str | None) -> Locale:
        """The first language of an ``Accept-Language`` header that eduport speaks (by
        quality, then order), English when none is."""
        ranked = []
        for index, item in enumerate((header or "").split(",")):
            tag, _, params = item.strip().partition(";")
            quality = 1.0
            if params.strip().startswith("q="):
                try:
                    quality = float(params.strip()[2:])
                except ValueError:
                    quality = 0.0
            ranked.append((-quality, index, tag.split("-")[0].strip().lower()))
        for _, _, language in sorted(ranked):
            if language in cls._value2member_map_:
                return cls(language)
        return cls.EN

    @classmethod
    def parse(cls, value: str) -> Locale:
        from domain.shared.errors import InvalidValue

        if value not in cls._value2member_map_:
            raise InvalidValue(f"eduport speaks {', '.join(cls)}; {value!r} is not one of them")
        return cls(value)
