"""The ``idempotent`` view decorator in a small flask-smorest app, over the SQL store, on
SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from flask import Flask
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import Engine
from werkzeug.exceptions import HTTPException

from adapters.inbound.http.api import ProblemApi
from adapters.inbound.http.auth import AUTHENTICATE_EXTENSION, current_principal
from adapters.inbound.http.idempotency import (
    IDEMPOTENCY_EXTENSION,
    IDEMPOTENCY_KEY_PARAMETER,
    idempotent,
)
from adapters.inbound.http.problems import (
    from_domain_error,
    from_http_exception,
    from_unexpected,
)
from adapters.outbound.persistence.idempotency import SqlIdempotencyStore
from application.payments.errors import GatewayDeclined, GatewayUnavailable
from application.shared.ports import Principal
from domain.shared.errors import AuthenticationFailed, DomainError
from tests.driver import assert_problem
from tests.unit.shared.fakes import FakeClock

ANN = {"Authorization": "Bearer token-ann"}
BOB = {"Authorization": "Bearer token-bob"}

# amounts that make the view misbehave
SLOW, CRASH, UNAVAILABLE, SERVER_ERROR, DECLINED = 2, 13, 503, 500, 402


class Tokens:
    def read(self, token: str) -> Principal:
        users = {"token-ann": Principal("user-ann", "student"),
                 "token-bob": Principal("user-bob", "student")}
        if token not in users:
            raise AuthenticationFailed("the access token is not valid")
        return users[token]


class ChargeIn(Schema):
    amount = fields.Integer(required=True)
    note = fields.String()


class ChargeOut(Schema):
    id = fields.String()
    amount = fields.Integer()
    user = fields.String()


class World:
    def __init__(self) -> None:
        self.runs: Counter[int] = Counter()
        self.entered, self.release = threading.Event(), threading.Event()


def build_app(engine: Engine, world: World) -> Flask:
    app = Flask("idempotency-test")
    app.config.update(API_TITLE="t", API_VERSION="1", OPENAPI_VERSION="3.0.3",
                      OPENAPI_URL_PREFIX="/", OPENAPI_JSON_PATH="openapi.json")
    app.extensions[AUTHENTICATE_EXTENSION] = Tokens().read  # how views learn the caller
    app.extensions[IDEMPOTENCY_EXTENSION] = SqlIdempotencyStore(engine, FakeClock())
    api = ProblemApi(app)
    blp = Blueprint("charges", __name__)

    @blp.route("/charges")
    class Charges(MethodView):
        @idempotent
        @blp.arguments(ChargeIn)
        @blp.response(201, ChargeOut)
        @blp.doc(parameters=[IDEMPOTENCY_KEY_PARAMETER])
        def post(self, data: dict[str, Any]) -> Any:
            amount = data["amount"]
            world.runs[amount] += 1
            first = world.runs[amount] == 1
            if amount == SLOW and first:
                world.entered.set()
                assert world.release.wait(10)
            if amount == CRASH and first:
                raise RuntimeError("a bug")
            if amount == UNAVAILABLE and first:
                raise GatewayUnavailable("the provider timed out")
            if amount == SERVER_ERROR and first:
                return {"id": "none", "amount": amount, "user": "-"}, 500
            if amount == DECLINED:
                raise GatewayDeclined("your card was declined")
            total = sum(world.runs.values())
            return {"id": f"ch_{total}", "amount": amount, "user": current_principal().user_id}

    api.register_blueprint(blp)
    app.register_error_handler(DomainError, from_domain_error)
    app.register_error_handler(HTTPException, from_http_exception)
    app.register_error_handler(Exception, from_unexpected)
    return app


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def client(engine: Engine, world: World) -> Any:
    return build_app(engine, world).test_client()


def charge(client: Any, body: Any, key: str | None = "key-1",
           headers: dict[str, str] = ANN) -> Any:
    extra = {} if key is None else {"Idempotency-Key": key}
    return client.post("/charges", json=body, headers={**headers, **extra})


def test_a_repeat_gets_the_first_answer_without_running_again(client: Any,
                                                               world: World) -> None:
    first = charge(client, {"amount": 100, "note": "course"})
    assert first.status_code == 201, first.get_data(as_text=True)
    assert "Idempotent-Replayed" not in first.headers

    again = charge(client, {"note": "course", "amount": 100})  # same body, other key order
    assert again.status_code == 201
    assert again.get_data() == first.get_data()
    assert again.mimetype == "application/json"
    assert again.headers["Idempotent-Replayed"] == "true"
    assert world.runs[100] == 1


def test_the_same_key_with_another_body_is_a_422_problem(client: Any, world: World) -> None:
    charge(client, {"amount": 100})
    problem = assert_problem(charge(client, {"amount": 200}), 422)
    assert problem["type"].endswith("/idempotency-key-reused")
    assert "different request" in problem["detail"]
    assert world.runs[200] == 0


def test_keys_belong_to_their_caller(client: Any) -> None:
    ann = charge(client, {"amount": 100}).get_json()
    bob = charge(client, {"amount": 100}, headers=BOB).get_json()
    assert (ann["user"], bob["user"]) == ("user-ann", "user-bob")
    assert ann["id"] != bob["id"]


def test_a_repeat_while_the_first_runs_is_a_409_problem(engine: Engine, world: World) -> None:
    app = build_app(engine, world)
    first: list[Any] = []
    running = threading.Thread(
        target=lambda: first.append(charge(app.test_client(), {"amount": SLOW})))
    running.start()
    try:
        assert world.entered.wait(10)
        problem = assert_problem(charge(app.test_client(), {"amount": SLOW}), 409)
        assert "still in progress" in problem["detail"]
    finally:
        world.release.set()
        running.join()
    assert first[0].status_code == 201
    replay = charge(app.test_client(), {"amount": SLOW})
    assert replay.get_data() == first[0].get_data()
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert world.runs[SLOW] == 1


@pytest.mark.parametrize(("amount", "status"),
                         [(CRASH, 500), (UNAVAILABLE, 503), (SERVER_ERROR, 500)],
                         ids=["exception", "domain-5xx", "returned-5xx"])
def test_a_server_error_lets_the_retry_run(client: Any, world: World, amount: int,
                                           status: int) -> None:
    failed = charge(client, {"amount": amount})
    assert failed.status_code == status
    retried = charge(client, {"amount": amount})
    assert retried.status_code == 201, retried.get_data(as_text=True)
    assert "Idempotent-Replayed" not in retried.headers
    assert world.runs[amount] == 2
    assert charge(client, {"amount": amount}).get_data() == retried.get_data()


def test_a_refusal_by_the_view_is_the_answer_and_is_replayed(client: Any,
                                                             world: World) -> None:
    declined = assert_problem(charge(client, {"amount": DECLINED}), 402)
    replay = charge(client, {"amount": DECLINED})
    assert assert_problem(replay, 402) == declined
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert world.runs[DECLINED] == 1


def test_a_request_that_fails_validation_is_not_kept(client: Any, world: World) -> None:
    assert_problem(charge(client, {"amount": "lots"}), 422)
    assert_problem(client.post("/charges", data="{not json", content_type="application/json",
                               headers={**ANN, "Idempotency-Key": "key-1"}), 400)
    fixed = charge(client, {"amount": 100})
    assert fixed.status_code == 201 and world.runs[100] == 1


def test_without_the_header_every_request_runs(client: Any, world: World) -> None:
    assert charge(client, {"amount": 100}, key=None).status_code == 201
    assert charge(client, {"amount": 100}, key=None).status_code == 201
    assert world.runs[100] == 2


@pytest.mark.parametrize("key", ["", "k" * 256, "caf\u00e9", "tab\there"])
def test_a_malformed_key_is_a_400_problem(client: Any, world: World, key: str) -> None:
    response = client.post("/charges", json={"amount": 100},
                           headers={**ANN, "Idempotency-Key": key.encode().decode("latin-1")})
    problem = assert_problem(response, 400)
    assert "Idempotency-Key" in problem["detail"]
    assert world.runs[100] == 0


def test_a_key_of_255_printable_characters_is_fine(client: Any) -> None:
    assert charge(client, {"amount": 100}, key="k" * 254 + "~").status_code == 201


def test_a_key_needs_an_authenticated_caller(client: Any, world: World) -> None:
    assert_problem(charge(client, {"amount": 100}, headers={}), 401)
    assert_problem(charge(client, {"amount": 100},
                          headers={"Authorization": "Bearer forged"}), 401)
    assert world.runs[100] == 0
    assert charge(client, {"amount": 100}).status_code == 201  # the key was never taken


def test_the_header_is_documented(engine: Engine, world: World) -> None:
    spec = build_app(engine, world).test_client().get("/openapi.json").get_json()
    parameters = spec["paths"]["/charges"]["post"]["parameters"]
    assert {"in": "header", "name": "Idempotency-Key"}.items() <= parameters[0].items()
