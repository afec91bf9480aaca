"""Notify: the in-app notification, then the email, each at most once; preferences,
suppressions, transient and permanent failures, both languages."""

from __future__ import annotations

import pytest

from application.messaging.handle_mail_event import HandleMailEvents, MailEvent
from application.messaging.notify import Notify
from application.messaging.ports import MailUnavailable, MessageRejected
from application.messaging.published import Notice, Recipient
from domain.messaging.model import DeliveryStatus, Preferences, Suppression, SuppressionReason
from domain.shared.errors import InvalidValue
from domain.shared.money import Money
from tests.unit.conftest import World

ANN = Recipient("u1", "ann@example.test", "Ann Lee", "en")
LAYLA = Recipient("u2", "layla@example.test", "Layla Haddad", "ar")


def welcome(recipient: Recipient = ANN, key: str = "outbox:1:welcome") -> Notice:
    return Notice(recipient, "welcome", key, context={"role": "student",
                                                       "link": "https://app.test/login"})


def deliveries(world: World) -> list[tuple[str, DeliveryStatus, int]]:
    return sorted((d.recipient, d.status, d.attempts) for d in world.db.deliveries.values())


def test_a_notice_is_kept_in_the_inbox_and_emailed_once(world: World) -> None:
    notify = world.build(Notify)
    notify(welcome())
    notify(welcome())  # the job ran again: nothing is stored or sent twice
    (message,) = world.mailer.sent.values()
    assert message.to == "ann@example.test" and message.subject == "Welcome to eduport"
    assert "your student account is ready." in message.text and message.html
    (note,) = world.db.notifications.values()
    assert (note.user_id, note.kind, note.text) == ("u1", "welcome", "Welcome to eduport")
    assert deliveries(world) == [("ann@example.test", DeliveryStatus.SENT, 1)]
    (delivery,) = world.db.deliveries.values()
    assert (delivery.provider, delivery.provider_message_id) == (
        "fake", "fake-outbox:1:welcome")


def test_arabic_is_right_to_left_with_latin_names_isolated(world: World) -> None:
    world.build(Notify)(welcome(LAYLA))
    (message,) = world.mailer.sent.values()
    assert message.subject == "مرحبًا بك في eduport"
    assert 'dir="rtl" lang="ar"' in (message.html or "")
    assert "<bdi>Layla Haddad</bdi>" in (message.html or "")
    assert "\u2068Layla Haddad\u2069" in message.text  # the plain part isolates it too


def test_bilingual_messages_come_in_the_readers_language_first(world: World) -> None:
    from application.messaging.config import MessagingPolicy

    notify = world.build(Notify, policy=MessagingPolicy(bilingual=True))
    notify(Notice(LAYLA, "receipt", "outbox:2:receipt", context={
        "courses": ["Compilers"], "payment_id": "p1", "amount": Money(4900, "EUR"),
        "link": "https://app.test/me", "refunded": Money(0, "EUR")}))
    (message,) = world.mailer.sent.values()
    assert message.subject == "إيصالك من eduport / Your receipt from eduport"
    assert message.text.index("استلمنا") < message.text.index("we received 49.00 EUR for:")
    html = message.html or ""
    assert html.index('lang="ar"') < html.index('lang="en"')


def test_a_kind_turned_off_is_not_emailed_but_stays_in_the_inbox(world: World) -> None:
    world.db.preferences["u1"] = Preferences("u1", ["welcome"])
    world.build(Notify)(welcome())
    assert world.mailer.sent == {} and deliveries(world) == []
    assert [n.kind for n in world.db.notifications.values()] == ["welcome"]


def test_security_messages_cannot_be_turned_off() -> None:
    from domain.messaging.model import MessageKind

    with pytest.raises(InvalidValue, match="always emailed"):
        Preferences("u1").choose(MessageKind.PASSWORD_RESET, email=False)


def test_a_suppressed_address_is_skipped_and_logged(world: World) -> None:
    world.db.suppressions["ann@example.test"] = Suppression(
        "ann@example.test", SuppressionReason.BOUNCED, "mailgun", world.clock.now())
    world.build(Notify)(welcome())
    assert world.mailer.sent == {}
    assert deliveries(world) == [("ann@example.test", DeliveryStatus.SUPPRESSED, 0)]


def test_a_transient_failure_is_recorded_and_retried_until_sent_once(world: World) -> None:
    world.mailer.failures.append(MailUnavailable("mail service down", retry_after=30))
    with pytest.raises(MailUnavailable):
        world.build(Notify)(welcome())
    assert deliveries(world) == [("ann@example.test", DeliveryStatus.DEFERRED, 1)]
    (delivery,) = world.db.deliveries.values()
    assert delivery.last_error == "MailUnavailable: mail service down"
    world.build(Notify)(welcome())  # the job's retry
    assert len(world.mailer.sent) == 1 and len(world.db.notifications) == 1
    assert deliveries(world) == [("ann@example.test", DeliveryStatus.SENT, 2)]


def test_a_permanent_refusal_is_failed_and_not_retried(world: World) -> None:
    world.mailer.failures.append(MessageRejected("not a valid address"))
    world.build(Notify)(welcome())  # no exception: a retry would not help
    world.build(Notify)(welcome())
    assert world.mailer.sent == {}
    assert deliveries(world) == [("ann@example.test", DeliveryStatus.FAILED, 1)]


@pytest.mark.parametrize("notice", [
    Notice(ANN, "birthday", "k1"), Notice(Recipient("u1", "a@b.test", "A", "fr"), "welcome",
                                          "k2")])
def test_unknown_kinds_and_languages_are_refused(world: World, notice: Notice) -> None:
    with pytest.raises(InvalidValue):
        world.build(Notify)(notice)
    assert world.mailer.sent == {} and world.db.notifications == {}


def test_a_permanent_bounce_suppresses_and_a_late_delivered_report_changes_nothing(
        world: World) -> None:
    world.build(Notify)(welcome())
    (delivery,) = world.db.deliveries.values()
    handle = world.build(HandleMailEvents)
    bounce = MailEvent("fake", delivery.provider_message_id, "Ann@Example.test",
                       DeliveryStatus.BOUNCED, "550 no such mailbox")
    assert handle([bounce]) == "1 deliveries updated, 1 addresses suppressed"
    late = MailEvent("fake", delivery.provider_message_id, "ann@example.test",
                     DeliveryStatus.DELIVERED)
    assert handle([late, bounce]) == "0 deliveries updated, 0 addresses suppressed"
    assert deliveries(world) == [("ann@example.test", DeliveryStatus.BOUNCED, 1)]
    assert set(world.db.suppressions) == {"ann@example.test"}
    world.build(Notify)(welcome(key="outbox:9:welcome"))  # later mail is skipped
    assert len(world.mailer.sent) == 1
