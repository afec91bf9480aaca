"""Every port with two or more implementations (adapters and the fakes the unit tests use)
has a contract suite that runs them all."""

from __future__ import annotations

from typing import Any

from tests.contracts import classes_in, declared_contracts, implements, ports


def implementations() -> dict[type[Any], set[type[Any]]]:
    candidates = classes_in("adapters.outbound") | classes_in(
        "tests.unit", module_filter=lambda name: name.endswith(".fakes"))
    return {port: {cls for cls in candidates if implements(cls, port)} for port in ports()}


def test_every_port_with_two_implementations_has_a_contract_suite_running_them_all() -> None:
    covered: dict[type[Any], set[type[Any]]] = {}
    for contract in declared_contracts():
        covered.setdefault(contract.port, set()).update(contract.implementations.values())
    missing = {port.__name__: sorted(cls.__name__ for cls in found - covered.get(port, set()))
               for port, found in implementations().items() if len(found) >= 2}
    assert {port: names for port, names in missing.items() if names} == {}


def test_the_finder_sees_the_implementations_it_must() -> None:
    # Guards the guard: if discovery found nothing, the test above would pass vacuously.
    from adapters.outbound.payments.stripe import StripePaymentGateway
    from application.payments.ports import PaymentGateway, PaymentRepository
    from tests.unit.payments.fakes import FakePaymentGateway, FakeUserRepository

    found = implementations()
    assert {StripePaymentGateway, FakePaymentGateway} <= found[PaymentGateway]
    assert FakeUserRepository not in found[PaymentRepository]
