"""GenerateInvoices at Stripe, through the official SDK against the local fake of Stripe:
one Stripe invoice per institution and month, with an item per line, finalised, for our
total; an institution Stripe fails is reported and the others go on, and the next run
carries it on; Stripe's payment events, twice, mark invoices paid (with how) or failed
(the institution emailed, the platform's admins alerted, once each); on PostgreSQL, a run
killed while Stripe is answering, then run again, leaves every institution invoiced
exactly once with exactly one Stripe invoice each."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from adapters.outbound.persistence import institutions as tables
from adapters.outbound.persistence.database import build_engine
from application.institutions.generate_invoices import GenerateInvoices
from domain.institutions.invoices import previous_period
from tests.conftest import JWT_SECRET, make_settings, truncate_all
from tests.driver import deliver, sign_up_admin
from tests.integration.institutions.driver import institution
from tests.vendor_servers.stripe_server import FakeStripe

SECRET, BILLING_SECRET = "sk_test_invoices", "whsec_invoices_billing"
PRICES = {"INVOICE_SEAT_PRICE_MINOR": "150", "INVOICE_CURRENCY": "USD"}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeStripe]:
    with FakeStripe(api_key=SECRET) as server:
        yield server


def stripe_env(fake: FakeStripe) -> dict[str, str]:
    return {"STRIPE_SECRET": SECRET, "STRIPE_API_BASE": fake.url,
            "STRIPE_TIMEOUT_SECONDS": "5", "STRIPE_BILLING_WEBHOOK_SECRET": BILLING_SECRET,
            **PRICES}


@pytest.fixture
def settings(tmp_path: Path, database_url: str, fake: FakeStripe) -> Any:
    fake.clear_faults()
    return make_settings(tmp_path, database_url, **stripe_env(fake))


def report_students(client: Any, found: dict[str, Any], value: int) -> None:
    data = json.dumps({"institution_id": found["id"], "metric": "students", "value": value})
    now = datetime.now(UTC)
    deliver(client, "institution-sync", data.encode(), {
        "webhook-id": f"s:{found['id']}", "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(found["secret"]).sign(f"s:{found['id']}", now, data)})


def stripe_invoices_of(fake: FakeStripe, customer: str) -> list[Any]:
    return [i for i in fake.invoices.values() if i["customer"] == customer]


def last_month() -> str:
    return previous_period(datetime.now(UTC).date())


def test_one_stripe_invoice_each_and_a_failure_carried_on_by_the_next_run(
        client: Any, injector: Any, fake: FakeStripe) -> None:
    root = sign_up_admin(client, injector)
    made = [institution(client, root, f"u{n}.example.edu") for n in range(3)]
    for n, found in enumerate(made):
        report_students(client, found, 100 * (n + 1))
    customers = [client.get(f"/admin/institutions/{f['id']}", headers=root).get_json()[
        "billing_customer_id"] for f in made]
    generate, period = injector.get(GenerateInvoices), last_month()
    fake.fail_next(1, 500)  # the first institution's first call
    run = generate(period)
    assert (run.invoiced, len(run.failed)) == (2, 1)
    assert "HTTP 500" in run.failed[0][1]
    again = generate(period)
    assert (again.invoiced, again.skipped, again.failed) == (1, 2, [])
    for n, customer in enumerate(customers):
        [invoice] = stripe_invoices_of(fake, customer)
        assert (invoice["status"], invoice["amount_due"]) == ("open", 100 * (n + 1) * 150)
        assert invoice["metadata"]["period"] == period
    ours = [client.get(f"/admin/institutions/{f['id']}/invoices", headers=root).get_json()
            for f in made]
    assert all(len(i) == 1 and i[0]["status"] == "open" and
               i[0]["provider_invoice_id"].startswith("in_") for i in ours)


def test_a_run_killed_halfway_then_run_again_invoices_each_once(
        tmp_path: Path, postgres_schema_url: str, fake: FakeStripe) -> None:
    from bootstrap import build_injector, create_app

    truncate_all(postgres_schema_url)
    settings = make_settings(tmp_path, postgres_schema_url, **stripe_env(fake))
    injector = build_injector(settings)
    client = create_app(injector, settings).test_client()
    root = sign_up_admin(client, injector)
    made = [institution(client, root, f"k{n}.example.edu") for n in range(4)]
    for found in made:
        report_students(client, found, 10)
    env = {**os.environ, "DATABASE_URL": postgres_schema_url, "JWT_SECRET": JWT_SECRET,
           "EDUPORT_DATA_DIR": str(tmp_path), "LOG_LEVEL": "WARNING", "LOG_FORMAT": "text",
           **stripe_env(fake)}
    env.pop("REDIS_URL", None)
    command = [sys.executable, "-c", "import bootstrap; bootstrap.main()", "invoices",
               "generate", "--period", last_month()]
    fake.clear_log()
    # The first five calls pass; the sixth (the second institution's) waits at the fake,
    # and the run is killed there, as a crash would leave it.
    gates = [fake.hold_next() for _ in range(6)]
    for gate in gates[:5]:
        gate.set()
    running = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while fake.holds_waiting and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not fake.holds_waiting, "the run never reached its sixth call"
    running.send_signal(signal.SIGKILL)
    running.wait(30)
    gates[5].set()  # Stripe finishes the call the dead run made
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    engine = build_engine(postgres_schema_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(tables.institution_invoices.c.institution_id,
                                             tables.institution_invoices.c.status)).all()
    finally:
        engine.dispose()
    assert sorted(r.institution_id for r in rows) == sorted(f["id"] for f in made)
    assert {r.status for r in rows} == {"open"}
    customers = [client.get(f"/admin/institutions/{f['id']}", headers=root).get_json()[
        "billing_customer_id"] for f in made]
    assert [len(stripe_invoices_of(fake, c)) for c in customers] == [1, 1, 1, 1]


def test_payments_and_failures_reach_our_invoices_once(
        client: Any, injector: Any, settings: Any, fake: FakeStripe) -> None:
    from adapters.wiring.messaging import MessagingSettings
    from tests.integration.mail import messages

    root = sign_up_admin(client, injector)
    paying, failing = (institution(client, root, "pay.example.edu"),
                       institution(client, root, "fail.example.edu"))
    for found in (paying, failing):
        report_students(client, found, 10)
    assert injector.get(GenerateInvoices)(last_month()).invoiced == 2

    def ours(found: dict[str, Any]) -> dict[str, Any]:
        [invoice] = client.get(f"/admin/institutions/{found['id']}/invoices",
                               headers=root).get_json()
        return invoice  # type: ignore[no-any-return]

    fake.take_events()
    fake.pay_invoice(ours(paying)["provider_invoice_id"])
    fake.fail_invoice_payment(ours(failing)["provider_invoice_id"])
    events = fake.take_events("invoice.payment_succeeded", "invoice.payment_failed")
    assert len(events) == 2
    answers = FakeStripe.deliver_events(
        events, lambda body, headers: deliver(client, "stripe-billing", body, headers),
        BILLING_SECRET, times=2)
    assert all(a.status_code == 200 for a in answers)
    paid = ours(paying)
    assert (paid["status"], paid["paid_amount"], paid["payment_method_type"]) == (
        "paid", 1_500, "card")
    assert paid["payment_intent_id"].startswith("pi_") and paid["paid_at"]
    assert ours(failing)["status"] == "payment_failed"
    alerts = client.get("/admin/alerts?acknowledged=false", headers=root).get_json()
    assert [(a["institution_id"], a["type"], a["source"]) for a in alerts] == [
        (failing["id"], "payment_failed", "platform")]
    folder = Path(settings.section(MessagingSettings).outbox_dir)
    assert len([m for m in messages(folder) if m["To"] == "it@fail.example.edu"
                and str(m["Subject"]).startswith("Payment failed")]) == 1
