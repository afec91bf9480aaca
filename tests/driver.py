"""The one HTTP test driver: how the integration tests and the Gherkin steps speak to the
public API (users, sessions, courses, problems). The features' ``Platform`` keeps a
scenario's names and state on top of it; every request it makes goes through here."""

from __future__ import annotations

import itertools
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, func, select

PASSWORD = "correct horse battery"
_numbers = itertools.count(1)


def count(engine: Engine, table: Any) -> int:
    """Rows in a table, read straight from the database."""
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def register(client: Any, email: str, role: str = "student", name: str = "Ann Lee",
             password: str = PASSWORD, locale: str | None = None) -> Any:
    """POST /auth/register; the raw answer, for tests about registration itself."""
    return client.post("/auth/register", json={
        "email": email, "password": password, "full_name": name, "role": role,
        **({"locale": locale} if locale else {})})


def login(client: Any, email: str, password: str = PASSWORD) -> Any:
    """POST /auth/login; the raw answer, for tests about signing in itself."""
    return client.post("/auth/login", json={"email": email, "password": password})


def sign_up(client: Any, role: str, name: str = "Ann Lee") -> dict[str, str]:
    """Registers a fresh user of ``role`` and returns the Authorization header of a session."""
    email = f"{role}-{next(_numbers)}@example.test"
    registered = register(client, email, role, name)
    assert registered.status_code == 202, registered.get_data(as_text=True)
    return log_in(client, email)


def request(client: Any, method: str, path: str, headers: dict[str, str] | None = None,
            json: Any = None, query: dict[str, Any] | None = None) -> Any:
    return client.open(path, method=method, json=json, query_string=query,
                       headers=headers or {})


def deliver(client: Any, provider: str, body: bytes,
            headers: dict[str, str] | None = None) -> Any:
    """A provider's webhook delivery: the signed bytes as they are, nobody signed in."""
    return client.post(f"/webhooks/{provider}", data=body,
                       headers={"Content-Type": "application/json", **(headers or {})})


def create_admin(injector: Any, email: str, name: str, password: str = PASSWORD) -> str:
    """Platform admins are made by operators (`eduport users create-admin`), not by sign-up:
    the app's own use case; returns the new user's id."""
    from application.accounts.create_admin import CreateAdmin, CreateAdminCommand

    created = injector.get(CreateAdmin)(CreateAdminCommand(email, password, name))
    return str(created.user_id)


def sign_up_admin(client: Any, injector: Any) -> dict[str, str]:
    email = f"admin-{next(_numbers)}@example.test"
    create_admin(injector, email, "Ada Admin")
    return log_in(client, email)


def cast(client: Any, injector: Any, students: tuple[str, ...] = ("alan",)
         ) -> dict[str, dict[str, str]]:
    """The payment tests' people, each signed in: root (platform admin), grace (teacher) and
    the given students, as ``{name: Authorization header}``."""
    create_admin(injector, "root@example.test", "Root")
    register(client, "grace@example.test", "teacher")
    for student in students:
        register(client, f"{student}@example.test", "student")
    return {name: log_in(client, f"{name}@example.test")
            for name in ("root", "grace", *students)}


def paid_course(client: Any, teacher: dict[str, str], slug: str = "compilers",
                price: dict[str, Any] | None = None) -> str:
    """A published course with one lesson at ``price`` (49.00 EUR unless given); its id."""
    course = client.post("/courses", headers=teacher, json={
        "title": slug.title(), "slug": slug, "description": "",
        "price": price or {"amount_minor": 4900, "currency": "EUR"}}).get_json()
    client.post(f"/courses/{course['id']}/lessons", headers=teacher,
                json={"title": "One", "slug": "one"})
    assert client.post(f"/courses/{course['id']}/publish", headers=teacher).status_code == 200
    return str(course["id"])


def open_shop(settings: Any, price: dict[str, Any]) -> dict[str, Any]:
    """eduport built from ``settings``, with the cast signed in and grace's paid course:
    ``{"client", "people", "course"}``."""
    from bootstrap import build_injector, create_app

    injector = build_injector(settings)
    client = create_app(injector, settings).test_client()
    people = cast(client, injector)
    return {"client": client, "people": people,
            "course": paid_course(client, people["grace"], price=price)}


def log_in(client: Any, email: str) -> dict[str, str]:
    session = login(client, email)
    assert session.status_code == 200, session.get_data(as_text=True)
    return bearer(session.get_json()["access_token"])


def user_id(client: Any, headers: dict[str, str]) -> str:
    found: str = client.get("/me", headers=headers).get_json()["user_id"]
    return found


def new_course(client: Any, teacher: dict[str, str], slug: str | None = None, *,
               title: str = "Intro to Python", amount_minor: int = 0,
               currency: str = "USD") -> dict[str, Any]:
    body = {"title": title, "slug": slug or f"course-{next(_numbers)}",
            "description": "Learn Python.",
            "price": {"amount_minor": amount_minor, "currency": currency}}
    created = client.post("/courses", json=body, headers=teacher)
    assert created.status_code == 201, created.get_data(as_text=True)
    course: dict[str, Any] = created.get_json()
    return course


# The smallest files each format's signature recognises.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 8


def local_path(url: str) -> str:
    """A link of the local file store, as the test client asks for it (path and query)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def uploaded(client: Any, who: dict[str, str], purpose: str, subject_id: str, data: bytes,
             content_type: str, filename: str | None = None) -> dict[str, Any]:
    """An upload through the public flow on the local store: request, PUT, complete."""
    asked = client.post("/uploads", headers=who, json={
        "purpose": purpose, "subject_id": subject_id, "content_type": content_type,
        "size": len(data), "filename": filename})
    assert asked.status_code == 201, asked.get_data(as_text=True)
    ticket = asked.get_json()["upload"]
    put = client.put(local_path(ticket["url"]), data=data, headers=ticket["headers"])
    assert put.status_code == 204, put.get_data(as_text=True)
    done = client.post(f"/uploads/{asked.get_json()['id']}/complete", headers=who)
    assert done.status_code == 200, done.get_data(as_text=True)
    completed: dict[str, Any] = done.get_json()
    return completed


def new_lesson(client: Any, teacher: dict[str, str], course_id: str, slug: str, *,
               free_preview: bool = False) -> dict[str, Any]:
    video = uploaded(client, teacher, "lesson_video", course_id, MP4, "video/mp4")
    body = {"title": slug.replace("-", " ").title(), "slug": slug,
            "is_free_preview": free_preview, "video_upload_id": video["id"]}
    created = client.post(f"/courses/{course_id}/lessons", json=body, headers=teacher)
    assert created.status_code == 201, created.get_data(as_text=True)
    lesson: dict[str, Any] = created.get_json()
    return lesson


def published_course(client: Any, teacher: dict[str, str], slug: str | None = None,
                     **kwargs: Any) -> dict[str, Any]:
    course = new_course(client, teacher, slug, **kwargs)
    new_lesson(client, teacher, course["id"], "welcome")
    done = client.post(f"/courses/{course['id']}/publish", headers=teacher)
    assert done.status_code == 200, done.get_data(as_text=True)
    published: dict[str, Any] = done.get_json()
    return published


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    problem: dict[str, Any] = response.get_json()
    assert problem["status"] == status and problem["type"].startswith("https://")
    assert "Traceback" not in response.get_data(as_text=True)
    if status == 503:  # a client is told when to come back
        assert int(response.headers["Retry-After"]) > 0
    return problem
