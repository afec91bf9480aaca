"""Who belongs to an institution: the people whose verified email address is at its domain
or below it (``ada@cs.uni.edu`` belongs to ``uni.edu``). When two institutions' domains
nest, the more specific one has them."""

from __future__ import annotations

from collections.abc import Mapping


def institution_of(email_domain: str, domains: Mapping[str, str]) -> str | None:
    """The id of the institution an address at ``email_domain`` belongs to, given every
    institution's id by its domain; None for none."""
    labels = email_domain.lower().rstrip(".").split(".")
    for start in range(len(labels) - 1):  # never the top-level domain alone
        found = domains.get(".".join(labels[start:]))
        if found is not None:
            return found
    return None


def by_institution(amounts: Mapping[str, int], domains: Mapping[str, str]) -> dict[str, int]:
    """Amounts kept by email domain (bytes, minutes), summed by the institution each
    domain belongs to; domains of no institution are left out."""
    totals: dict[str, int] = {}
    for email_domain, amount in amounts.items():
        institution_id = institution_of(email_domain, domains)
        if institution_id is not None:
            totals[institution_id] = totals.get(institution_id, 0) + amount
    return totals
