"""Credits through the public API: a platform admin's correction, the student's balance and
ledger, a replay counting once, and never more taken than is available."""

from __future__ import annotations

from typing import Any

from tests.driver import assert_problem, sign_up, sign_up_admin, user_id


def test_admins_adjust_credits_and_students_read_their_ledger(client: Any,
                                                               injector: Any) -> None:
    ann, root = sign_up(client, "student"), sign_up_admin(client, injector)
    path = f"/admin/users/{user_id(client, ann)}/credits"
    body = {"amount_minor": 5000, "currency": "USD", "reason": "welcome credit", "key": "w-1"}
    first = client.post(path, headers=root, json=body)
    assert first.status_code == 200
    assert first.get_json() == {"applied": True, "balance": {
        "currency": "USD", "available": 5000, "held": 0}}
    assert client.post(path, headers=root, json=body).get_json()["applied"] is False
    taken = assert_problem(client.post(path, headers=root, json={
        **body, "amount_minor": -5001, "key": "w-2"}), 409)
    assert taken["type"].endswith("/insufficient-credits")
    client.post(path, headers=root, json={**body, "amount_minor": -1000, "key": "w-3",
                                          "reason": "goodwill reversed"})
    mine = client.get("/me/credits", headers=ann).get_json()
    assert mine["balances"] == [{"currency": "USD", "available": 4000, "held": 0}]
    assert [(e["kind"], e["amount"]["amount_minor"], e["reason"]) for e in mine["entries"]] == [
        ("adjustment", -1000, "goodwill reversed"), ("adjustment", 5000, "welcome credit")]
    assert_problem(client.post(path, headers=ann, json=body), 403)
    assert_problem(client.post("/admin/users/nobody/credits", headers=root, json=body), 404)
    for bad in ({**body, "amount_minor": 0}, {**body, "amount_minor": "5"},
                {**body, "currency": "XYZ"}, {**body, "reason": ""}):
        assert_problem(client.post(path, headers=root, json=bad), 422)
    assert client.get("/me/credits", headers=root).get_json() == {"balances": [],
                                                                  "entries": []}
