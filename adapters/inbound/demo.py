"""`eduport demo`: the whole platform scenario on the embedded default, step by step.

It builds a fresh install in a temporary folder (SQLite, inline jobs, the .eml mailer, the
payment sandbox, public Jitsi rooms) and drives the public HTTP API exactly as a web client
would, printing each step and checking its answer. Exit status 0 means every step did what the
platform promises. Time is the real clock's: the live class lasts a few seconds.
"""

from __future__ import annotations

import email
import email.policy
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from injector import Injector
from sqlalchemy import Engine, func, select

from adapters.outbound.persistence import tables
from adapters.outbound.persistence.migrations_runner import upgrade
from adapters.settings import Settings
from adapters.wiring.messaging import MessagingSettings
from application.payments.providers import PaymentGateways

PASSWORD = "demo passphrase 2026"  # noqa: S105 - the demo's throwaway accounts
# A real client beats every 30 s; the demo, on the real clock, every second, three times.
HEARTBEATS, HEARTBEAT_EVERY_S = 3, 1.0
# The smallest files whose first bytes are what they claim: eduport checks them at completion.
DEMO_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
DEMO_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 8


class DemoFailed(Exception):
    pass


class Demo:
    def __init__(self, client: FlaskClient, mail_dir: Path, injector: Injector,
                 echo: Callable[[str], None]) -> None:
        self.client, self.mail_dir, self.echo = client, mail_dir, echo
        self.injector, self.engine = injector, injector.get(Engine)
        self.step_number = 0
        self._admin: str | None = None

    def step(self, text: str) -> None:
        self.step_number += 1
        self.echo(f"{self.step_number:>2}. {text}")

    def call(self, method: str, path: str, expect: int, token: str | None = None,
             body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.client.open(path, method=method, json=body, headers=headers)
        if response.status_code != expect:
            raise DemoFailed(f"{method} {path} answered {response.status_code}, expected "
                             f"{expect}: {response.get_data(as_text=True)[:500]}")
        self.echo(f"      {method} {path} -> {response.status_code}")
        return response.get_json(silent=True)

    def mails(self) -> list[EmailMessage]:
        return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                for p in self.mail_dir.glob("*.eml")]

    def token_mailed_to(self, address: str, subject: str) -> str:
        for message in self.mails():
            if message["To"] == address and message["Subject"] == subject:
                part = message.get_body(preferencelist=("plain",))
                text = part.get_content() if part is not None else ""
                found = re.search(r"token=([A-Za-z0-9._-]+)", text)
                if found:
                    return found.group(1)
        raise DemoFailed(f"no {subject!r} email reached {address}")

    def upload(self, token: str, purpose: str, subject_id: str, data: bytes,
               content_type: str, filename: str) -> str:
        """Request a signed upload, PUT the bytes to it, have eduport check them: the id."""
        asked = self.call("POST", "/uploads", 201, token, {
            "purpose": purpose, "subject_id": subject_id, "content_type": content_type,
            "size": len(data), "filename": filename})
        link = urlsplit(asked["upload"]["url"])
        put = self.client.put(f"{link.path}?{link.query}", data=data,
                              headers=asked["upload"]["headers"])
        if put.status_code != 204:
            raise DemoFailed(f"the upload was refused: {put.get_data(as_text=True)[:300]}")
        self.echo(f"      PUT {link.path} -> 204")
        self.call("POST", f"/uploads/{asked['id']}/complete", 200, token)
        return str(asked["id"])

    def register(self, who: str, address: str, role: str) -> str:
        self.call("POST", "/auth/register", 202, body={
            "email": address, "password": PASSWORD, "full_name": who, "role": role})
        session = self.call("POST", "/auth/login", 200,
                            body={"email": address, "password": PASSWORD})
        return str(session["access_token"])

    def run(self) -> None:
        self.step("A teacher registers, signs in and confirms her address (selling needs it)")
        teacher = self.register("Grace Hopper", "grace@demo.eduport", "teacher")
        self.call("POST", "/auth/verify-email", 200, body={"token": self.token_mailed_to(
            "grace@demo.eduport", "Confirm your email address")})

        self.step("She creates a free course with three lessons: the first a free preview on "
                  "an external site, the others videos she uploads; and a thumbnail")
        course = self.call("POST", "/courses", 201, teacher, {
            "title": "Compilers from scratch", "slug": "compilers-from-scratch",
            "description": "Build a compiler in ten evenings.",
            "price": {"amount_minor": 0, "currency": "USD"}})
        lessons = [self.call("POST", f"/courses/{course['id']}/lessons", 201, teacher, {
            "title": "Why compilers", "slug": "why-compilers", "is_free_preview": True,
            "video_url": "https://videos.demo.eduport/why-compilers.mp4"})]
        for title, slug in (("Lexing", "lexing"), ("Parsing", "parsing")):
            video = self.upload(teacher, "lesson_video", course["id"], DEMO_MP4, "video/mp4",
                                f"{slug}.mp4")
            lessons.append(self.call("POST", f"/courses/{course['id']}/lessons", 201, teacher,
                                     {"title": title, "slug": slug,
                                      "video_upload_id": video}))
        thumbnail = self.upload(teacher, "course_thumbnail", course["id"], DEMO_PNG,
                                "image/png", "compilers.png")
        self.call("PATCH", f"/courses/{course['id']}", 200, teacher,
                  {"thumbnail_upload_id": thumbnail})

        self.step("She is new here: she may draft, not publish, until a platform admin has "
                  "checked her identity and approved her application")
        self.call("POST", f"/courses/{course['id']}/publish", 403, teacher)
        self.call("PUT", "/me/teacher-application", 200, teacher, {
            "headline": "Compilers, from scratch", "bio": "Twenty years of writing them."})
        admin = self.admin()
        verification = self.call("POST", "/me/identity-verification", 200, teacher)
        self.call("POST", f"/admin/identity-verifications/{verification['id']}/approve", 200,
                  admin)
        application = self.call("GET", "/me/teacher-application", 200, teacher)
        approved = self.call("POST",
                             f"/admin/teacher-applications/{application['id']}/approve", 200,
                             admin)
        told = [m["To"] for m in self.mails()
                if m["Subject"] == "You are approved to teach on eduport"]
        self.echo(f"      identity {verification['provider']} review: Approved; application "
                  f"{approved['status']}; told {told}")
        if approved["status"] != "approved" or told != ["grace@demo.eduport"]:
            raise DemoFailed("the teacher was not approved, or not told")

        self.step("She publishes it; it appears in the public catalog")
        self.call("POST", f"/courses/{course['id']}/publish", 200, teacher)
        listing = self.call("GET", "/courses?q=compilers", 200)
        if [item["id"] for item in listing["items"]] != [course["id"]]:
            raise DemoFailed("the published course is not in the catalog")
        link = urlsplit(listing["items"][0]["thumbnail_url"])
        if self.client.get(f"{link.path}?{link.query}").data != DEMO_PNG:
            raise DemoFailed("the catalog's thumbnail link does not serve the thumbnail")
        self.echo(f"      thumbnail on a signed link: {link.path}")

        self.step("A student registers; welcome and verification emails go out via the outbox")
        student = self.register("Alan Turing", "alan@demo.eduport", "student")
        subjects = sorted(m["Subject"] for m in self.mails() if m["To"] == "alan@demo.eduport")
        self.echo(f"      mail to alan@demo.eduport: {subjects}")

        self.step("He follows the link in the verification email")
        token = self.token_mailed_to("alan@demo.eduport", "Confirm your email address")
        self.call("POST", "/auth/verify-email", 200, body={"token": token})
        if not self.call("GET", "/me", 200, student)["email_verified"]:
            raise DemoFailed("the email is still unverified")

        self.step("Before enrolling he may watch the free preview, but not lesson two")
        self.call("GET", f"/courses/{course['id']}/lessons/{lessons[0]['id']}", 200, student)
        self.call("GET", f"/courses/{course['id']}/lessons/{lessons[1]['id']}", 403, student)

        self.step("He enrolls, twice by accident: one enrollment, counted once")
        self.call("POST", f"/courses/{course['id']}/enrollments", 201, student)
        self.call("POST", f"/courses/{course['id']}/enrollments", 200, student)
        enrollments = self.call("GET", "/me/enrollments", 200, student)
        stats = self.call("GET", f"/courses/{course['id']}/statistics", 200, teacher)
        self.echo(f"      enrollments: {len(enrollments)}, students_count: "
                  f"{stats['students_count']}")
        if len(enrollments) != 1 or stats["students_count"] != 1:
            raise DemoFailed("the enrollment was not idempotent")

        self.step("Now lesson two opens")
        opened = self.call("GET", f"/courses/{course['id']}/lessons/{lessons[1]['id']}", 200,
                           student)
        self.echo(f"      playing {opened['playback']['kind']} video on a link valid until "
                  f"{opened['playback']['expires_at']}")

        self.step("The outbox delivered every message")
        with self.engine.connect() as connection:
            pending = connection.execute(select(func.count()).select_from(tables.outbox)
                                         .where(tables.outbox.c.processed_at.is_(None)))
            left = pending.scalar_one()
        welcomes = [m for m in self.mails() if m["Subject"] == "Welcome to eduport"]
        self.echo(f"      welcome emails: {len(welcomes)}, undelivered outbox messages: {left}")
        if {"grace@demo.eduport", "alan@demo.eduport"} - {m["To"] for m in welcomes} or left:
            raise DemoFailed("the outbox did not deliver the welcome emails")
        self.paid(teacher, student)
        self.live(teacher, student, course["id"])
        self.consultation(teacher, student)

    def paid(self, teacher: str, student: str) -> None:
        self.step("Grace publishes a paid course: 49.00 EUR")
        course = self.call("POST", "/courses", 201, teacher, {
            "title": "Type systems", "slug": "type-systems", "description": "Types, soundly.",
            "price": {"amount_minor": 4900, "currency": "EUR"}})
        lesson = self.call("POST", f"/courses/{course['id']}/lessons", 201, teacher, {
            "title": "Simply typed", "slug": "simply-typed"})
        self.call("POST", f"/courses/{course['id']}/publish", 200, teacher)
        self.call("POST", f"/courses/{course['id']}/enrollments", 402, student)

        self.step("Alan checks out with the sandbox card that needs 3-D Secure")
        payment = self.call("POST", "/checkout", 201, student, {
            "course_ids": [course["id"]], "provider": "sandbox",
            "payment_method": "pm_card_threeDSecure2Required"})
        self.echo(f"      amount {payment['amount']['formatted']} "
                  f"{payment['amount']['currency']}, status {payment['status']}")
        action = self.call("POST", f"/payments/{payment['payment_id']}/confirm", 200, student)
        self.echo(f"      status {action['status']}: the bank asks Alan to authenticate")

        self.step("He passes 3-D Secure; the sandbox's signed event settles the payment")
        reference = action["next_action"]["authenticate"]
        self.call("POST", f"/sandbox/payments/{reference}/authenticate", 200, student,
                  {"passed": True})
        settled = self.call("GET", f"/payments/{payment['payment_id']}", 200, student)
        stats = self.call("GET", f"/courses/{course['id']}/statistics", 200, teacher)
        self.echo(f"      payment {settled['status']}; students {stats['students_count']}, "
                  f"revenue {stats['revenue'][0]['formatted']} {stats['revenue'][0]['currency']}")
        if settled["status"] != "succeeded" or stats["students_count"] != 1:
            raise DemoFailed("the paid enrollment did not happen")
        self.call("GET", f"/courses/{course['id']}/lessons/{lesson['id']}", 200, student)

        self.step("The provider delivers the same event again: stored once, nothing changes")
        sandbox = self.injector.get(PaymentGateways).by_provider["sandbox"]
        before = self.count(tables.webhook_events)
        sandbox.redeliver(sandbox.event_ids(reference)[-1])  # type: ignore[attr-defined]
        again = self.call("GET", f"/courses/{course['id']}/statistics", 200, teacher)
        self.echo(f"      webhook deliveries stored: {before} -> "
                  f"{self.count(tables.webhook_events)}; students still "
                  f"{again['students_count']}")
        if self.count(tables.webhook_events) != before or again["students_count"] != 1:
            raise DemoFailed("a duplicate event changed something")

        self.step("A platform admin refunds the payment in full; Alan loses access")
        admin = self.admin()
        self.call("POST", f"/admin/payments/{payment['payment_id']}/refunds", 202, admin,
                  {"full": True, "reason": "requested_by_customer"})
        refunded = self.call("GET", f"/payments/{payment['payment_id']}", 200, student)
        after = self.call("GET", f"/courses/{course['id']}/statistics", 200, teacher)
        self.echo(f"      payment {refunded['status']}; students {after['students_count']}, "
                  f"revenue {after['revenue'][0]['formatted']}")
        self.call("GET", f"/courses/{course['id']}/lessons/{lesson['id']}", 403, student)
        if refunded["status"] != "refunded" or after["students_count"] != 0:
            raise DemoFailed("the refund did not settle")

    def live(self, teacher: str, student: str, course_id: str) -> None:
        self.step("Ada enrolls in the compilers course too (she will miss the live class)")
        ada = self.register("Ada Lovelace", "ada@demo.eduport", "student")
        self.call("POST", f"/courses/{course_id}/enrollments", 201, ada)

        self.step("Grace schedules a live class of the course and goes live; students are told")
        session = self.call("POST", f"/courses/{course_id}/live-sessions", 201, teacher, {
            "title": "Parsing, live", "starts_at": datetime.now(UTC).isoformat(),
            "planned_minutes": 60})
        base = f"/live-sessions/{session['id']}"
        started = self.call("POST", f"{base}/start", 200, teacher)
        told = sorted(m["To"] for m in self.mails()
                      if str(m["Subject"]).endswith("the live class has started"))
        self.echo(f"      session {started['status']} on {started['provider']}; "
                  f"notices mailed to {told}")
        if started["status"] != "live" or told != ["ada@demo.eduport", "alan@demo.eduport"]:
            raise DemoFailed("the live class did not start, or its students were not told")

        self.step("Grace joins as host, Alan in the audience; each gets a pass to the room")
        for token in (teacher, student):
            admission = self.call("POST", f"{base}/join", 200, token)
            self.echo(f"      {admission['role']}: {admission['pass']['join_url']}")

        self.step(f"Alan's client beats every {HEARTBEAT_EVERY_S:g} s (30 s in a real one), "
                  f"{HEARTBEATS} times, then he leaves")
        for _ in range(HEARTBEATS):
            time.sleep(HEARTBEAT_EVERY_S)
            beat = self.call("POST", f"{base}/heartbeat", 200, student)
            if not beat["present"]:
                raise DemoFailed("a heartbeat did not keep Alan present")
        left = self.call("POST", f"{base}/leave", 200, student)
        self.echo(f"      present {left['present']}, {left['present_seconds']} s in the room")

        self.step("Grace ends the class; a heartbeat after the end is refused")
        ended = self.call("POST", f"{base}/end", 200, teacher)
        self.call("POST", f"{base}/heartbeat", 409, student)
        if ended["status"] != "ended":
            raise DemoFailed("the live class did not end")

        self.step("The attendance: minutes per participant (a minute begun counts), and who "
                  "never joined")
        attendance = self.call("GET", f"{base}/attendance", 200, teacher)
        minutes = {}
        for line in attendance["participants"]:
            minutes[line["name"]] = line["minutes"]
            self.echo(f"      {line['name']}, {line['role']}: {line['minutes']} min "
                      f"({line['seconds']} s)")
        absent = [person["name"] for person in attendance["absent"]]
        self.echo(f"      never joined: {', '.join(absent) or 'nobody'}")
        if minutes != {"Grace Hopper": 1, "Alan Turing": 1} or absent != ["Ada Lovelace"]:
            raise DemoFailed("the attendance is not what happened")

    def consultation(self, teacher: str, student: str) -> None:
        self.step("Grace offers paid consultations: 5.00 USD, then 0.50 USD a minute")
        service = self.call("POST", "/consultation-services", 201, teacher, {
            "title": "Compiler clinic", "base_fee_minor": 500, "per_minute_minor": 50,
            "currency": "USD"})

        self.step("Alan buys a credit pack with the sandbox's card; it is credited once")
        pack = next(p for p in self.call("GET", "/credit-packs", 200, student)
                    if p["price"]["currency"] == "USD")
        payment = self.call("POST", "/checkout", 201, student, {
            "credit_pack": pack["id"], "provider": "sandbox", "payment_method": "pm_card_visa"})
        self.call("POST", f"/payments/{payment['payment_id']}/confirm", 200, student)
        [balance] = self.call("GET", "/me/credits", 200, student)["balances"]
        self.echo(f"      paid {pack['price']['formatted']} USD; credits available "
                  f"{balance['available']} (minor units)")
        if balance["available"] != pack["credits"]["amount_minor"]:
            raise DemoFailed("the credit pack was not credited")

        self.step("He starts a consultation: the base fee and 5 minutes are held; Grace joins")
        started = self.call("POST", "/consultations", 201, student,
                            {"service_id": service["id"]})
        base = f"/consultations/{started['consultation']['id']}"
        self.call("POST", f"{base}/join", 200, teacher)
        self.echo(f"      held {started['consultation']['held']['formatted']} USD; both have a "
                  "pass of their own")

        self.step(f"Both beat every {HEARTBEAT_EVERY_S:g} s, {HEARTBEATS} times; Alan stops it, "
                  "and Grace's stop a moment later bills nothing more")
        for _ in range(HEARTBEATS):
            time.sleep(HEARTBEAT_EVERY_S)
            for token in (student, teacher):
                self.call("POST", f"{base}/heartbeat", 200, token)
        stopped = self.call("POST", f"{base}/stop", 200, student)
        again = self.call("POST", f"{base}/stop", 200, teacher)
        bill = stopped["bill"]
        [after] = self.call("GET", "/me/credits", 200, student)["balances"]
        self.echo(f"      together {bill['seconds']} s: {bill['minutes']} min billed (a minute "
                  f"begun counts), {bill['cost']['formatted']} USD; credits left "
                  f"{after['available']}, held {after['held']}")
        if again != stopped or bill["cost"]["amount_minor"] != 550 or \
                after != {**balance, "available": balance["available"] - 550, "held": 0}:
            raise DemoFailed("the consultation was not billed once for what happened")

    def admin(self) -> str:
        """A platform admin's token; the admin is made on first use."""
        from application.accounts.create_admin import CreateAdmin, CreateAdminCommand

        if self._admin is None:
            # What an operator does with `eduport users create-admin`.
            self.injector.get(CreateAdmin)(CreateAdminCommand("root@demo.eduport", PASSWORD,
                                                              "Root"))
            session = self.call("POST", "/auth/login", 200,
                                body={"email": "root@demo.eduport", "password": PASSWORD})
            self._admin = str(session["access_token"])
        return self._admin

    def count(self, table: Any) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def run_demo(injector_factory: Callable[..., Injector], app_factory: Callable[..., Flask],
             keep: bool, echo: Callable[[str], None]) -> int:
    folder = Path(tempfile.mkdtemp(prefix="eduport-demo-"))
    try:
        # The embedded default, whatever the caller's environment says.
        settings = Settings.from_env({"EDUPORT_DATA_DIR": str(folder), "LOG_LEVEL": "WARNING",
                                      "LOG_FORMAT": "text"})
        injector = injector_factory(settings)
        engine = injector.get(Engine)
        upgrade(engine)
        echo(f"eduport demo: a fresh install in {folder} (SQLite, inline jobs, mail as .eml)")
        client = app_factory(injector, settings).test_client()
        Demo(client, Path(settings.section(MessagingSettings).outbox_dir), injector, echo).run()
        echo("demo finished: every step did what it should")
        return 0
    except DemoFailed as failure:
        echo(f"demo FAILED: {failure}")
        return 1
    finally:
        if keep:
            echo(f"data kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
