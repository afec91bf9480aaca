"""The platform as the features see it, and the steps every feature shares.

Each scenario gets a fresh install on the embedded defaults (a SQLite file copied from a
migrated template, inline jobs, the .eml mailer in the data folder) and drives the public
HTTP API through Flask's test client. ``Platform`` keeps what a scenario talks about: people
by name (with their sessions), courses by title and the last answer, so steps stay one-liners.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, parsers, then, when

from adapters.settings import Settings
from adapters.wiring.messaging import MessagingSettings
from tests.conftest import make_settings
from tests.driver import (
    MP4,
    PASSWORD,
    assert_problem,
    bearer,
    create_admin,
    login,
    register,
    request,
    uploaded,
)
from tests.integration.mail import body, link_token, messages

VISITOR = "visitor"  # "a visitor" / "the visitor": nobody signed in
ROLES = {"student": "student", "teacher": "teacher", "company": "company",
         "platform admin": "platform_admin"}
CONFIRM_SUBJECT = "Confirm your email address"
MAILGUN_WEBHOOK_SIGNING_KEY = "whsk-features-signing-key"
WELCOME_SUBJECT = "Welcome to eduport"
RESET_SUBJECT = "Reset your password"

# Step patterns: people are named by one capitalised word, roles as a product owner says them.
NAME = r"(?P<name>[A-Z]\w*)"
ROLE = r"(?P<role>student|teacher|company|platform admin)"

# The business outcomes of a refused request, by how a product owner says them.
REFUSED, NOT_SIGNED_IN, NOT_FOUND = 403, 401, 404
CHECKOUT_REQUIRED, NOT_VALID, BAD_LINK, CONFLICT = 402, 422, 400, 409


def quoted(text: str) -> list[str]:
    """'"A", "B" and "C"' -> ['A', 'B', 'C']; 'no course' -> []."""
    return re.findall(r'"([^"]+)"', text)


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# --- the platform -----------------------------------------------------------------------------


@dataclass
class Session:
    role: str
    access_token: str
    refresh_token: str
    used_refresh_tokens: list[str] = field(default_factory=list)


@dataclass
class Person:
    name: str
    role: str
    email: str
    password: str = PASSWORD
    old_passwords: list[str] = field(default_factory=list)
    user_id: str = ""
    sessions: list[Session] = field(default_factory=list)

    @property
    def session(self) -> Session:
        assert self.sessions, f"{self.name} has not signed in"
        return self.sessions[-1]


@dataclass
class Course:
    id: str
    title: str
    teacher: str
    lessons: dict[str, dict[str, Any]] = field(default_factory=dict)  # by title


class Platform:
    def __init__(self, client: Any, mail_dir: Path, injector: Any) -> None:
        self.client, self.mail_dir, self.injector = client, mail_dir, injector
        self.people: dict[str, Person] = {}
        self.courses: dict[str, Course] = {}
        self.enrollment_ids: dict[tuple[str, str], str] = {}  # by (student, course title)
        self.answer: Any = None
        self.answers: list[Any] = []

    # --- plumbing -----------------------------------------------------------------------------

    def person(self, name: str) -> Person:
        assert name in self.people, f"nobody named {name} in this scenario"
        return self.people[name]

    def course(self, title: str) -> Course:
        assert title in self.courses, f"no course titled {title!r} in this scenario"
        return self.courses[title]

    def headers(self, who: str | None) -> dict[str, str]:
        if who is None or who == VISITOR:
            return {}
        return bearer(self.person(who).session.access_token)

    def _answered(self, answer: Any) -> Any:
        self.answer = answer
        self.answers.append(answer)
        return answer

    def call(self, method: str, path: str, who: str | None = None, json: Any = None,
             query: dict[str, Any] | None = None) -> Any:
        return self._answered(request(self.client, method, path, self.headers(who), json,
                                      query))

    def expect(self, status: int, answer: Any = None) -> Any:
        """The answer had ``status``; refusals are well-formed problems. Returns its body."""
        answer = answer if answer is not None else self.answer
        if status >= 400:
            return assert_problem(answer, status)
        text = answer.get_data(as_text=True)
        assert answer.status_code == status, f"expected {status}, got {answer.status_code}: {text}"
        return answer.get_json(silent=True)

    def problem(self, status: int) -> dict[str, Any]:
        found: dict[str, Any] = self.expect(status)
        return found

    # --- accounts -----------------------------------------------------------------------------

    def sign_up(self, name: str, role: str, email: str | None = None,
                locale: str | None = None) -> Any:
        person = Person(name, ROLES.get(role, role), email or f"{name.lower()}@example.test")
        self.people.setdefault(name, person)
        answer = self._answered(register(self.client, person.email, person.role, name,
                                         person.password, locale=locale))
        if answer.status_code == 202 and not person.user_id:
            # The answer never names the account (it is the same for a taken address).
            person.user_id = self._user_id(person.email)
        return answer

    def _user_id(self, email: str) -> str:
        from application.accounts.ports import AccountsUnitOfWork

        with self.injector.get(AccountsUnitOfWork) as uow:
            user = uow.users.get_by_email(email)
        return user.id if user is not None else ""

    def create_admin(self, name: str) -> None:
        """Platform admins are appointed by an operator (`eduport users create-admin`)."""
        person = Person(name, "platform_admin", f"{name.lower()}@example.test")
        person.user_id = create_admin(self.injector, person.email, name, person.password)
        self.people[name] = person

    def sign_in(self, name: str, password: str | None = None, email: str | None = None) -> Any:
        person = self.people.get(name)
        answer = self._answered(login(
            self.client, email or (person.email if person else f"{name.lower()}@example.test"),
            password or (person.password if person else PASSWORD)))
        if answer.status_code == 200 and person is not None:
            tokens = answer.get_json()
            person.sessions.append(Session(tokens["role"], tokens["access_token"],
                                           tokens["refresh_token"]))
        return answer

    def renew(self, name: str, refresh_token: str | None = None) -> Any:
        session = self.person(name).session
        token = refresh_token or session.refresh_token
        answer = self.call("POST", "/auth/refresh", json={"refresh_token": token})
        if answer.status_code == 200 and refresh_token is None:
            tokens = answer.get_json()
            session.used_refresh_tokens.append(session.refresh_token)
            session.access_token = tokens["access_token"]
            session.refresh_token = tokens["refresh_token"]
        return answer

    def profile(self, name: str, fresh: bool = False) -> dict[str, Any]:
        """The account as its holder sees it; ``fresh`` signs in anew first (a new role)."""
        person = self.person(name)
        if fresh or not person.sessions:
            self.expect(200, self.sign_in(name))
        found: dict[str, Any] = self.expect(200, self.call("GET", "/me", name))
        return found

    def mails(self, subject: str | None = None) -> list[Message]:
        return [m for m in messages(self.mail_dir) if subject in (None, m["Subject"])]

    def mails_to(self, name: str, subject: str | None = None) -> list[Message]:
        return [m for m in self.mails(subject) if m["To"] == self.person(name).email]

    def mail_text(self, name: str, subject: str) -> str:
        found = self.mails_to(name, subject)
        assert len(found) == 1, f"{name} received {len(found)} emails {subject!r}"
        return body(found[0])

    def token_mailed_to(self, name: str, subject: str) -> str:
        return link_token(self.mail_dir, self.person(name).email, subject)

    def audit_log(self, admin: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.expect(
            200, self.call("GET", "/admin/audit", admin, query={"limit": 500}))
        return found

    # --- catalog ------------------------------------------------------------------------------

    def draft_course(self, teacher: str, title: str, amount_minor: int = 0,
                     currency: str = "USD") -> Any:
        answer = self.call("POST", "/courses", teacher, json={
            "title": title, "slug": slugify(title), "description": f"All about {title}.",
            "price": {"amount_minor": amount_minor, "currency": currency}})
        if answer.status_code == 201:
            self.courses[title] = Course(answer.get_json()["id"], title, teacher)
        return answer

    def add_lesson(self, teacher: str, course: str, lesson: str,
                   free_preview: bool = False) -> Any:
        found = self.course(course)
        # The course's teacher uploads its video first; anyone else adds a lesson without one
        # (and is refused for the lesson itself).
        video = None if teacher != found.teacher else uploaded(
            self.client, self.headers(teacher), "lesson_video", found.id, MP4, "video/mp4",
            f"{slugify(lesson)}.mp4")["id"]
        answer = self.call("POST", f"/courses/{found.id}/lessons", teacher, json={
            "title": lesson, "slug": slugify(lesson), "is_free_preview": free_preview,
            "video_upload_id": video})
        if answer.status_code == 201:
            found.lessons[lesson] = answer.get_json()
        return answer

    def publish(self, who: str, course: str) -> Any:
        return self.call("POST", f"/courses/{self.course(course).id}/publish", who)

    def rename(self, who: str, course: str, new_title: str) -> Any:
        return self.call("PATCH", f"/courses/{self.course(course).id}", who,
                         json={"title": new_title})

    def reorder(self, who: str, course: str, lessons: list[str]) -> Any:
        found = self.course(course)
        ids = [found.lessons[title]["id"] for title in lessons]
        return self.call("PUT", f"/courses/{found.id}/lessons/order", who,
                         json={"lesson_ids": ids})

    def course_seen_by(self, who: str, course: str) -> dict[str, Any]:
        found: dict[str, Any] = self.expect(
            200, self.call("GET", f"/courses/{self.course(course).id}", who))
        return found

    def catalog(self, **query: Any) -> dict[str, Any]:
        found: dict[str, Any] = self.expect(200, self.call("GET", "/courses", query=query))
        return found

    def statistics(self, who: str, course: str) -> Any:
        return self.call("GET", f"/courses/{self.course(course).id}/statistics", who)

    def open_lesson(self, who: str, course: str, lesson: str) -> Any:
        found = self.course(course)
        return self.call("GET", f"/courses/{found.id}/lessons/{found.lessons[lesson]['id']}",
                         who)

    # --- enrollment ---------------------------------------------------------------------------

    def enroll(self, student: str, course: str) -> Any:
        answer = self.call("POST", f"/courses/{self.course(course).id}/enrollments", student)
        if answer.status_code == 201:
            self.enrollment_ids[student, course] = answer.get_json()["enrollment_id"]
        return answer

    def enrollments_of(self, name: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.expect(
            200, self.call("GET", "/me/enrollments", name))
        return found

    def students_in(self, course: str) -> int:
        stats = self.expect(200, self.statistics(self.course(course).teacher, course))
        count: int = stats["students_count"]
        return count


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def features_database_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for every scenario: migrating once keeps them fast."""
    from adapters.outbound.persistence.database import build_engine
    from adapters.outbound.persistence.migrations_runner import upgrade

    path = tmp_path_factory.mktemp("features-template") / "eduport.sqlite3"
    engine = build_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def settings(tmp_path: Path, features_database_template: Path) -> Settings:
    """The embedded defaults: SQLite in the data folder, inline jobs, mail as .eml files."""
    path = tmp_path / "eduport.sqlite3"
    shutil.copy(features_database_template, path)
    # Pusher's credentials, so channel authorizations are signed (offline: nothing is sent).
    # Access tokens last the two hours of Clock time a live class's scenario runs through.
    return make_settings(tmp_path, f"sqlite:///{path}", ACCESS_TOKEN_TTL_SECONDS="7200",
                         MAILGUN_WEBHOOK_SIGNING_KEY=MAILGUN_WEBHOOK_SIGNING_KEY,
                         PUSHER_APP_ID="123456", PUSHER_APP_KEY="features-key",
                         PUSHER_APP_SECRET="features-secret", PUSHER_HOST="127.0.0.1",
                         PUSHER_PORT="9", PUSHER_SCHEME="http")


@pytest.fixture
def platform(settings: Settings) -> Iterator[Platform]:
    from sqlalchemy import Engine

    from bootstrap import build_injector, create_app

    injector = build_injector(settings)
    client = create_app(injector, settings).test_client()
    yield Platform(client, Path(settings.section(MessagingSettings).outbox_dir), injector)
    injector.get(Engine).dispose()


# --- people -----------------------------------------------------------------------------------


@given(parsers.re(f"{NAME} has signed up as an? {ROLE}"))
@when(parsers.re(f"{NAME} signs up as an? {ROLE}"))
def signs_up(platform: Platform, name: str, role: str) -> None:
    platform.sign_up(name, role)


@given(parsers.re(f"an? {ROLE} named {NAME}"))
def a_person_signed_in(platform: Platform, role: str, name: str) -> None:
    """Someone with an account of ``role`` who has signed in."""
    if role == "platform admin":
        platform.create_admin(name)
    else:
        platform.expect(202, platform.sign_up(name, role))
    platform.expect(200, platform.sign_in(name))


@then(parsers.re(f"{NAME} is refused"))
def refused(platform: Platform, name: str) -> None:
    platform.problem(REFUSED)


@then(parsers.re(f"{NAME} is told that there is no such course"))
def no_such_course(platform: Platform, name: str) -> None:
    assert "no such course" in platform.problem(NOT_FOUND)["detail"]


@then(parsers.re(r"(?:the )?visitor is asked to sign in"))
def asked_to_sign_in(platform: Platform) -> None:
    platform.problem(NOT_SIGNED_IN)


# --- courses ----------------------------------------------------------------------------------


def set_up_course(platform: Platform, teacher: str, state: str, title: str,
                   lessons: list[tuple[str, bool]], amount_minor: int = 0,
                   currency: str = "USD") -> None:
    platform.expect(201, platform.draft_course(teacher, title, amount_minor, currency))
    for lesson, free_preview in lessons:
        platform.expect(201, platform.add_lesson(teacher, title, lesson, free_preview))
    if state == "published":
        platform.expect(200, platform.publish(teacher, title))


COURSE_SET_UP = (r'(?P<teacher>[A-Z]\w*) has (?P<state>drafted|published) '
                 r'(?:a free course|the course) "(?P<title>[^"]+)"'
                 r"(?: priced at (?P<price>\d+\.\d\d) (?P<currency>[A-Z]{3}))?"
                 r'(?: with the lessons? (?P<lessons>"[^:]+"))?')


@given(parsers.re(COURSE_SET_UP))
def a_course(platform: Platform, teacher: str, state: str, title: str, price: str | None,
             currency: str | None, lessons: str | None) -> None:
    """'Grace has published a free course "X" with the lessons "A", "B" and "C"', or
    'Grace has drafted the course "Y" priced at 49.00 EUR with the lesson "A"'."""
    amount_minor = round(float(price) * 100) if price else 0
    set_up_course(platform, teacher, state, title,
                   [(lesson, False) for lesson in quoted(lessons or "")],
                   amount_minor, currency or "USD")


@given(parsers.re(r'(?P<teacher>[A-Z]\w*) has (?P<state>drafted|published) a free course '
                  r'"(?P<title>[^"]+)" with these lessons:'))
def a_course_from_a_table(platform: Platform, teacher: str, state: str, title: str,
                          datatable: list[list[str]]) -> None:
    """A table with the columns 'lesson' and 'free preview' (yes / no)."""
    header, *rows = datatable
    assert header == ["lesson", "free preview"], header
    lessons = [(lesson, preview.strip().lower() == "yes") for lesson, preview in rows]
    set_up_course(platform, teacher, state, title, lessons)


@given(parsers.re(f'{NAME} has enrolled in "(?P<course>[^"]+)"'))
def has_enrolled(platform: Platform, name: str, course: str) -> None:
    platform.expect(201, platform.enroll(name, course))
