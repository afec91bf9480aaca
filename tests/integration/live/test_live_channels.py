"""A live session's real-time channels end to end, against the session's soketi: the
course's public channel hears ``session.started``; ``presence-session.{id}`` lets in by the
joining rule and lists the members with the data eduport signed; anyone else is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests import driver
from tests.integration.messaging.test_broadcasting_http import (
    Served,
    StartClient,
    authorize,
    eduport,
    subscribe,
)
from tests.vendor_servers import soketi as peers

soketi_server = peers.soketi_server
pusher_js = peers.pusher_js
__all__ = ["eduport"]  # eduport served against the session's soketi, as for notifications


def a_class(served: Served) -> dict[str, Any]:
    client = served.client
    people = {"grace": driver.sign_up(client, "teacher", "Grace Hopper"),
              "ann": driver.sign_up(client, "student", "Ann Lee"),
              "cy": driver.sign_up(client, "student", "Cy Young")}
    course = driver.published_course(client, people["grace"], title="Compilers")
    assert client.post(f"/courses/{course['id']}/enrollments",
                       headers=people["ann"]).status_code == 201
    session = client.post(f"/courses/{course['id']}/live-sessions", headers=people["grace"],
                          json={"title": "Parsing", "planned_minutes": 60,
                                "starts_at": datetime.now(UTC).isoformat()}).get_json()
    return {"people": people, "course": course, "session": session}


def test_the_course_channel_hears_the_class_start(eduport: Served,
                                                  pusher_js: StartClient) -> None:
    cls = a_class(eduport)
    channel = f"course.{cls['course']['id']}"
    listener = pusher_js([channel])  # public: no authorization
    listener.wait_subscribed(channel)
    started = eduport.client.post(f"/live-sessions/{cls['session']['id']}/start",
                                  headers=cls["people"]["grace"])
    assert started.status_code == 200
    event = listener.wait_event(channel, "session.started", timeout=10)
    assert event["data"] == {"session_id": cls["session"]["id"],
                             "course_id": cls["course"]["id"], "title": "Parsing"}


def test_the_presence_channel_lists_who_may_join_and_refuses_the_rest(
        eduport: Served, pusher_js: StartClient) -> None:
    cls = a_class(eduport)
    people, session_id = cls["people"], cls["session"]["id"]
    channel = f"presence-session.{session_id}"
    # not live yet: nobody is present
    assert driver.assert_problem(authorize(eduport, people["ann"], "1.1", channel), 403)
    eduport.client.post(f"/live-sessions/{session_id}/start", headers=people["grace"])

    ann_id = driver.user_id(eduport.client, people["ann"])
    grace_id = driver.user_id(eduport.client, people["grace"])
    ann = subscribe(pusher_js, eduport, channel, people["ann"])
    subscribed = ann.wait_subscribed(channel, timeout=10)
    me = {"id": ann_id, "info": {"name": "Ann Lee", "role": "student"}}
    assert subscribed["members"] == [me] and subscribed["me"] == me

    grace = subscribe(pusher_js, eduport, channel, people["grace"])
    members = grace.wait_subscribed(channel, timeout=10)["members"]
    assert sorted(m["id"] for m in members) == sorted([ann_id, grace_id])
    added = ann.wait_for(lambda m: m["type"] == "member_added", timeout=5, what="member_added")
    assert added["member"] == {"id": grace_id,
                               "info": {"name": "Grace Hopper", "role": "teacher"}}

    prying = subscribe(pusher_js, eduport, channel, people["cy"])
    outcome = prying.wait_subscription(channel, timeout=10)
    assert outcome["type"] == "subscription_error" and outcome["status"] == 403
    assert driver.assert_problem(
        authorize(eduport, people["cy"], "1.1", "presence-session.unknown"), 403)
