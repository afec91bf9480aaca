"""EDUPORT_ENV=production with no Stripe or PayPal keys: the sandbox (which sells for free)
is never bound and its routes are not published; paid checkout is a clear 503 and the
start-up log says why; free courses still work."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.conftest import make_settings
from tests.driver import assert_problem, paid_course, published_course, sign_up


@pytest.fixture
def production(tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture) -> Any:
    from bootstrap import build_injector, create_app, describe_adapters

    settings = make_settings(tmp_path, database_url, EDUPORT_ENV="production")
    caplog.set_level(logging.WARNING)
    injector = build_injector(settings)
    adapters = describe_adapters(injector)  # what start-up logs, before logging is set up
    client = create_app(injector, settings).test_client()
    yield client, adapters, caplog
    injector.get(Engine).dispose()


def test_production_never_sells_through_the_sandbox(production: Any) -> None:
    client, adapters, caplog = production
    assert adapters["PaymentGateway"] == ""
    started = " ".join(r.getMessage() for r in caplog.get_records("setup"))
    assert "no payment provider is configured" in started
    grace, alan = sign_up(client, "teacher"), sign_up(client, "student")
    course = paid_course(client, grace)
    for provider in ("sandbox", "stripe"):
        answer = client.post("/checkout", headers=alan, json={
            "course_ids": [course], "provider": provider, "payment_method": "pm_card_visa"})
        problem = assert_problem(answer, 503)
        assert problem["detail"] == "payments are unavailable right now; try again later"
    assert client.get("/me/enrollments", headers=alan).get_json() == []
    assert_problem(client.post("/sandbox/payments/sbx_1/authenticate", headers=alan,
                               json={"passed": True}), 404)
    assert_problem(client.post("/webhooks/sandbox", data=b"{}",
                               content_type="application/json"), 404)
    free = published_course(client, grace)
    assert client.post(f"/courses/{free['id']}/enrollments", headers=alan).status_code == 201
