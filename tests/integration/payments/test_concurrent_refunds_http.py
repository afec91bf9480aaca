"""Six refunds of one payment at once: never more refunded than was paid, every answer one
the API documents, and no refund left waiting in "requested"."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Engine, select

from adapters.outbound.persistence import tables as t
from tests.driver import cast, paid_course


@pytest.fixture
def people(client: Any, injector: Any) -> dict[str, dict[str, str]]:
    return cast(client, injector, students=("alan",))


def test_six_refunds_at_once_never_refund_more_than_was_paid(
        app: Any, client: Any, people: Any, engine: Engine) -> None:
    course = paid_course(client, people["grace"])  # 49.00 EUR
    payment = client.post("/checkout", headers=people["alan"], json={
        "course_ids": [course], "provider": "sandbox",
        "payment_method": "pm_card_visa"}).get_json()
    pid = payment["payment_id"]
    assert client.post(f"/payments/{pid}/confirm",
                       headers=people["alan"]).get_json()["status"] == "succeeded"
    start = threading.Barrier(6)

    def refund(_: int) -> tuple[int, str]:
        start.wait()
        answer = app.test_client().post(f"/admin/payments/{pid}/refunds",
                                        headers=people["root"], json={"amount_minor": 1000})
        return answer.status_code, answer.mimetype

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(refund, range(6)))
    statuses = [status for status, _ in answers]
    assert set(statuses) <= {202, 409, 422, 503}, answers
    assert all(kind == "application/problem+json" for status, kind in answers if status != 202)
    seen = client.get(f"/payments/{pid}", headers=people["alan"]).get_json()
    assert seen["refunded"]["amount_minor"] <= 4900
    assert seen["refunded"]["amount_minor"] == 1000 * statuses.count(202)
    with engine.connect() as connection:
        rows = connection.execute(select(t.refunds.c.status, t.refunds.c.amount_minor)
                                  .where(t.refunds.c.payment_id == pid)).all()
    assert "requested" not in {status for status, _ in rows}, rows
    assert sum(amount for status, amount in rows if status == "succeeded") == \
        seen["refunded"]["amount_minor"]
