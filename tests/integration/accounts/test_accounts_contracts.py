"""The accounts ports' contracts, run against the fake and every real adapter."""

from __future__ import annotations

import typing
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.outbound.persistence.accounts import (
    SqlAccountsUnitOfWork,
    SqlLoginAttempts,
    SqlRefreshTokenStore,
    SqlUsedTokens,
    SqlUserRepository,
)
from adapters.outbound.persistence.database import session_factory
from adapters.outbound.persistence.unit_of_work import SqlKernelUnitOfWork
from adapters.outbound.security.passwords import Argon2PasswordHasher
from adapters.outbound.security.tokens import JwtAccessTokens, JwtOneTimeTokens
from adapters.outbound.system import SystemClock, UuidGenerator
from application.accounts.ports import (
    AccessTokens,
    AccountsUnitOfWork,
    LoginAttemptsStore,
    OneTimeTokens,
    PasswordHasher,
    RefreshTokenRecord,
    RefreshTokenStore,
    UsedTokens,
    UserRepository,
)
from application.shared.ports import Principal
from application.shared.process_outbox_message import PROCESS_OUTBOX_JOB
from domain.accounts.model import EmailAddress, Standing, User
from domain.accounts.throttle import LoginAttempts
from domain.shared.errors import AuthenticationFailed, Conflict, InvalidToken
from domain.shared.roles import Role
from tests.contracts import Contract
from tests.unit.accounts.fakes import (
    FakeAccessTokens,
    FakeAccountsUnitOfWork,
    FakeLoginAttempts,
    FakeOneTimeTokens,
    FakePasswordHasher,
    FakeRefreshTokenStore,
    FakeUsedTokens,
    FakeUserRepository,
)
from tests.unit.shared.fakes import FakeClock, FakeDatabase, FakeKernelUnitOfWork, FakeTaskQueue

NOW = datetime(2026, 1, 5, 9, 0, 0, 123456, tzinfo=UTC)

# --- PasswordHasher --------------------------------------------------------------------------


PASSWORD_HASHER = Contract(PasswordHasher, {"fake": FakePasswordHasher,
                                            "argon2": Argon2PasswordHasher})


@pytest.fixture(params=PASSWORD_HASHER.params())
def hasher(request: pytest.FixtureRequest) -> Any:
    if request.param == "fake":
        return PASSWORD_HASHER.build("fake", FakePasswordHasher)
    return PASSWORD_HASHER.build(  # small parameters: the contract, not the cost, is tested
        "argon2", lambda: Argon2PasswordHasher(time_cost=1, memory_cost_kib=8))


def test_password_hasher_contract_verifies_only_the_hashed_password(hasher: Any) -> None:
    password = "correct horse battery ☃"
    hashed = hasher.hash(password)
    assert hashed != password
    assert hasher.verify(hashed, password) is True
    assert hasher.verify(hashed, "correct horse battery") is False
    assert hasher.verify(hasher.hash("another one"), password) is False


def test_password_hasher_contract_unreadable_hashes_do_not_verify(hasher: Any) -> None:
    assert hasher.verify("not a hash at all", "not a hash at all") is False
    assert hasher.verify("", "") is False


def test_password_hasher_contract_current_hashes_need_no_rehash(hasher: Any) -> None:
    assert hasher.needs_rehash(hasher.hash("correct horse battery")) is False
    assert hasher.verify_decoy("any password at all") is None  # spends the work, tells nothing


# --- AccessTokens and OneTimeTokens ----------------------------------------------------------

SECRET, OTHER_SECRET = "contract-secret-" + "a" * 32, "someone-elses-secret-" + "b" * 32
TTL = 900  # seconds

# param -> (access tokens, one-time tokens) signed with a secret (the fakes have none)
SIGNERS: dict[str, tuple[Callable[[str, FakeClock], Any], Callable[[str, FakeClock], Any]]] = {
    "fake": (lambda secret, clock: FakeAccessTokens(clock, TTL),
             lambda secret, clock: FakeOneTimeTokens(clock)),
    "jwt": (lambda secret, clock: JwtAccessTokens(secret, TTL, clock),
            lambda secret, clock: JwtOneTimeTokens(secret, clock)),
}
ACCESS_TOKENS = Contract(AccessTokens, {"fake": FakeAccessTokens, "jwt": JwtAccessTokens})
ONE_TIME_TOKENS = Contract(OneTimeTokens, {"fake": FakeOneTimeTokens, "jwt": JwtOneTimeTokens})


@dataclass
class Signer:
    """The implementation under test (``ours``), the same one built by someone else with
    another secret (``stranger``: what a forger can make), and the other kind of token we sign
    with our secret (``other_kind``); all on ``clock``."""

    ours: Any
    stranger: Any
    other_kind: Any
    clock: FakeClock


def _signer(contract: Contract, request: pytest.FixtureRequest, kind: int) -> Signer:
    # JwtAccessTokens checks expiry against the host's time: the clock starts at it.
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    make = SIGNERS[request.param]
    return Signer(contract.build(request.param, lambda: make[kind](SECRET, clock)),
                  contract.build(request.param, lambda: make[kind](OTHER_SECRET, clock)),
                  make[1 - kind](SECRET, clock), clock)


@pytest.fixture(params=ACCESS_TOKENS.params())
def access_tokens(request: pytest.FixtureRequest) -> Signer:
    return _signer(ACCESS_TOKENS, request, 0)


@pytest.fixture(params=ONE_TIME_TOKENS.params())
def one_time_tokens(request: pytest.FixtureRequest) -> Signer:
    return _signer(ONE_TIME_TOKENS, request, 1)


def tampered(token: str) -> str:
    """The token with one character in its middle changed."""
    middle = len(token) // 2
    return token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1:]


def test_access_tokens_contract_read_back_the_principal(access_tokens: Signer) -> None:
    tokens = access_tokens.ours
    issued = tokens.issue("user-1", "teacher")
    assert issued.expires_in == TTL
    assert tokens.read(issued.token) == Principal("user-1", "teacher")
    assert tokens.read(tokens.issue("user-2", "student").token) == Principal("user-2", "student")


@pytest.mark.parametrize("token", ["", "not-a-token", "a.b.c"])
def test_access_tokens_contract_refuse_malformed_tokens(access_tokens: Signer, token: str
                                                        ) -> None:
    with pytest.raises(AuthenticationFailed):
        access_tokens.ours.read(token)


def test_access_tokens_contract_refuse_forged_and_tampered_tokens(access_tokens: Signer) -> None:
    ours = access_tokens.ours
    ours.issue("user-1", "student")
    with pytest.raises(AuthenticationFailed):  # signed by someone else, claiming an admin
        ours.read(access_tokens.stranger.issue("user-1", "platform_admin").token)
    with pytest.raises(AuthenticationFailed):
        ours.read(tampered(ours.issue("user-1", "student").token))


def test_access_tokens_contract_refuse_other_kinds_of_token(access_tokens: Signer) -> None:
    link = access_tokens.other_kind.issue("verify_email", "user-1", timedelta(hours=1))
    with pytest.raises(AuthenticationFailed):
        access_tokens.ours.read(link)


def test_access_tokens_contract_last_their_lifetime_then_expire(access_tokens: Signer) -> None:
    tokens, clock, now = access_tokens.ours, access_tokens.clock, access_tokens.clock.now()
    clock.current = now - timedelta(seconds=TTL - 60)
    fresh = tokens.issue("user-1", "student").token
    clock.current = now - timedelta(seconds=TTL + 60)
    stale = tokens.issue("user-1", "student").token
    clock.current = now
    assert tokens.read(fresh) == Principal("user-1", "student")
    with pytest.raises(AuthenticationFailed):
        tokens.read(stale)


def test_access_tokens_contract_expire_by_the_clock_they_are_given(
        access_tokens: Signer) -> None:
    issued_at = access_tokens.clock.now().replace(microsecond=0)
    token = access_tokens.ours.issue("user-1", "student").token
    assert access_tokens.ours.read(token).issued_at == issued_at
    access_tokens.clock.advance(seconds=TTL + 60)
    with pytest.raises(AuthenticationFailed):
        access_tokens.ours.read(token)


def test_one_time_tokens_contract_read_back_their_claims(one_time_tokens: Signer) -> None:
    tokens, now, day = one_time_tokens.ours, one_time_tokens.clock.now(), timedelta(hours=24)
    first = tokens.read("verify_email", tokens.issue("verify_email", "user-1", day))
    second = tokens.read("verify_email", tokens.issue("verify_email", "user-1", day))
    assert (first.user_id, first.expires_at) == ("user-1", now + day)
    assert first.token_id != second.token_id  # what UsedTokens keeps single use by


def test_one_time_tokens_contract_serve_only_their_purpose(one_time_tokens: Signer) -> None:
    reset = one_time_tokens.ours.issue("reset_password", "user-1", timedelta(hours=1))
    with pytest.raises(InvalidToken):
        one_time_tokens.ours.read("verify_email", reset)
    assert one_time_tokens.ours.read("reset_password", reset).user_id == "user-1"


def test_one_time_tokens_contract_refuse_forged_tampered_and_foreign_tokens(
        one_time_tokens: Signer) -> None:
    ours, hour = one_time_tokens.ours, timedelta(hours=1)
    ours.issue("verify_email", "user-1", hour)
    suspects = [
        one_time_tokens.stranger.issue("verify_email", "user-1", hour),
        tampered(ours.issue("verify_email", "user-1", hour)),
        one_time_tokens.other_kind.issue("user-1", "student").token,  # an access token
        "", "not-a-token", "a.b.c",
    ]
    for suspect in suspects:
        with pytest.raises(InvalidToken):
            ours.read("verify_email", suspect)


def test_one_time_tokens_contract_expire_by_the_clock(one_time_tokens: Signer) -> None:
    tokens, clock = one_time_tokens.ours, one_time_tokens.clock
    token = tokens.issue("reset_password", "user-1", timedelta(hours=1))
    clock.advance(minutes=59)
    assert tokens.read("reset_password", token).user_id == "user-1"
    clock.advance(minutes=2)
    with pytest.raises(InvalidToken):
        tokens.read("reset_password", token)


# --- AccountsUnitOfWork and its repositories -------------------------------------------------


ACCOUNTS_UNIT_OF_WORK = Contract(AccountsUnitOfWork, {
    "fake": FakeAccountsUnitOfWork, "sqlalchemy": SqlAccountsUnitOfWork})
USERS = Contract(UserRepository, {"fake": FakeUserRepository, "sqlalchemy": SqlUserRepository})
REFRESH_TOKENS = Contract(RefreshTokenStore, {"fake": FakeRefreshTokenStore,
                                              "sqlalchemy": SqlRefreshTokenStore})
USED_TOKENS = Contract(UsedTokens, {"fake": FakeUsedTokens, "sqlalchemy": SqlUsedTokens})
LOGIN_ATTEMPTS = Contract(LoginAttemptsStore, {"fake": FakeLoginAttempts,
                                               "sqlalchemy": SqlLoginAttempts})
# The repositories run under the unit of work's params.
assert all(contract.implementations.keys() == ACCOUNTS_UNIT_OF_WORK.implementations.keys()
           for contract in (USERS, REFRESH_TOKENS, USED_TOKENS, LOGIN_ATTEMPTS))


class Accounts:
    """One implementation of the accounts' storage: its units of work (each call opens a new
    one), their repositories checked against their Contracts, and the jobs their commits
    dispatched."""

    def __init__(self, param: str, make: Callable[[], Any], kernel: Callable[[], Any],
                 queue: FakeTaskQueue) -> None:
        self.param, self._make, self._kernel, self.queue = param, make, kernel, queue

    def __call__(self) -> Any:
        return ACCOUNTS_UNIT_OF_WORK.build(self.param, self._make)

    def repository(self, uow: Any, contract: Contract) -> Any:
        """The repository the unit-of-work port declares of ``contract``'s port."""
        name = next(name for name, port in typing.get_type_hints(AccountsUnitOfWork).items()
                    if port is contract.port)
        return contract.build(self.param, lambda: getattr(uow, name))

    def dispatched(self) -> list[str]:
        """The event types of the outbox messages whose jobs were dispatched, from the outbox."""
        assert {job for job, _ in self.queue.jobs} <= {PROCESS_OUTBOX_JOB}
        with self._kernel() as kernel:
            messages = [kernel.outbox.claim(message_id, datetime.now(UTC), timedelta(minutes=1))
                        for _, (message_id,) in self.queue.jobs]
        return [message.event_type for message in messages if message is not None]


@pytest.fixture(params=ACCOUNTS_UNIT_OF_WORK.params())
def unit_of_work(request: pytest.FixtureRequest) -> Accounts:
    queue = FakeTaskQueue()
    if request.param == "fake":
        db = FakeDatabase()
        return Accounts("fake", lambda: FakeAccountsUnitOfWork(db, queue=queue),
                        lambda: FakeKernelUnitOfWork(db), queue)
    sessions = session_factory(request.getfixturevalue("contract_engine"))
    return Accounts("sqlalchemy", lambda: SqlAccountsUnitOfWork(
        sessions, SystemClock(), UuidGenerator(), queue), lambda: SqlKernelUnitOfWork(
        sessions, SystemClock(), UuidGenerator(), FakeTaskQueue()), queue)


def user(email: str, role: Role = Role.STUDENT) -> User:
    return User.register(str(uuid.uuid4()), EmailAddress.parse(email), "Ann Lee", role,
                         "hashed-password", NOW)


def test_unit_of_work_contract(unit_of_work: Accounts) -> None:
    with unit_of_work() as uow:
        uow.users.add(user("kept@example.test"))
        uow.commit()
    with unit_of_work() as uow:
        uow.users.add(user("dropped@example.test"))  # no commit: rolled back
    with unit_of_work() as uow:
        assert uow.users.get_by_email("kept@example.test") is not None
        assert uow.users.get_by_email("dropped@example.test") is None
        kept = uow.users.get_by_email("kept@example.test")
        assert kept is not None and kept.role is Role.STUDENT


def test_unit_of_work_contract_dispatches_events_once_committed(unit_of_work: Accounts) -> None:
    with unit_of_work() as uow:
        uow.users.add(user("dropped@example.test"))
    with unit_of_work() as uow:
        uow.users.add(user("kept@example.test"))
        assert unit_of_work.queue.jobs == []
        uow.commit()
    assert unit_of_work.dispatched() == ["UserRegistered"]


def test_users_contract_round_trip(unit_of_work: Accounts) -> None:
    ann = user("ann@example.test", Role.TEACHER)
    with unit_of_work() as uow:
        users = unit_of_work.repository(uow, USERS)
        users.add(ann)
        assert users.get(ann.id) is not None  # the transaction sees its own writes
        assert users.get_by_email("ann@example.test") is not None
        uow.commit()
    with unit_of_work() as uow:
        users = unit_of_work.repository(uow, USERS)
        by_id, by_email = users.get(ann.id), users.get_by_email("ann@example.test")
        assert users.get(str(uuid.uuid4())) is None
        assert users.get_by_email("nobody@example.test") is None
    for found in (by_id, by_email):
        assert found is not None
        assert (found.id, found.email, found.full_name, found.role, found.password_hash,
                found.created_at, found.email_verified_at, found.password_changed_at) == (
            ann.id, "ann@example.test", "Ann Lee", Role.TEACHER, "hashed-password", NOW,
            None, None)


def verified_with_a_new_password(unit_of_work: Accounts, verified_at: datetime,
                                 changed_at: datetime) -> User:
    """Ann, stored; then, in a transaction of its own, verified and given a new password."""
    ann = user("ann@example.test")
    with unit_of_work() as uow:
        unit_of_work.repository(uow, USERS).add(ann)
        uow.commit()
    with unit_of_work() as uow:
        loaded = unit_of_work.repository(uow, USERS).get(ann.id)
        loaded.verify_email(verified_at)
        loaded.change_password("new-hash", changed_at)
        uow.commit()
    return ann


def test_users_contract_changes_are_saved_only_on_commit(unit_of_work: Accounts) -> None:
    later = NOW + timedelta(days=1)
    ann = verified_with_a_new_password(unit_of_work, later, later)
    with unit_of_work() as uow:
        unit_of_work.repository(uow, USERS).get(ann.id).change_role(Role.TEACHER)  # no commit
    with unit_of_work() as uow:
        saved = unit_of_work.repository(uow, USERS).get(ann.id)
    assert (saved.email_verified_at, saved.password_hash, saved.password_changed_at,
            saved.role) == (later, "new-hash", later, Role.STUDENT)


def test_users_contract_standing_is_the_accounts_as_committed(unit_of_work: Accounts) -> None:
    fresh = user("bea@example.test")
    with unit_of_work() as uow:
        unit_of_work.repository(uow, USERS).add(fresh)
        uow.commit()
    with unit_of_work() as uow:
        users = unit_of_work.repository(uow, USERS)
        assert users.standing(fresh.id) == Standing(Role.STUDENT, None, None, None)
        assert users.standing(str(uuid.uuid4())) is None
    later = NOW + timedelta(days=1)
    ann = verified_with_a_new_password(unit_of_work, later, later + timedelta(seconds=5))
    with unit_of_work() as uow:
        standing = unit_of_work.repository(uow, USERS).standing(ann.id)
    assert standing == Standing(Role.STUDENT, later, later + timedelta(seconds=5), None)
    assert standing.predates_password(later) and not standing.predates_password(
        later + timedelta(seconds=5))


def test_users_contract_an_email_belongs_to_one_user(unit_of_work: Accounts) -> None:
    first = user("ann@example.test")
    with unit_of_work() as uow:
        unit_of_work.repository(uow, USERS).add(first)
        uow.commit()
    jobs = len(unit_of_work.queue.jobs)
    with pytest.raises(Conflict), unit_of_work() as uow:  # a concurrent registration lost
        unit_of_work.repository(uow, USERS).add(user("ann@example.test"))
        uow.commit()
    assert len(unit_of_work.queue.jobs) == jobs
    with unit_of_work() as uow:
        assert unit_of_work.repository(uow, USERS).get_by_email("ann@example.test").id == first.id


def token(user_id: str, family_id: str | None = None) -> RefreshTokenRecord:
    return RefreshTokenRecord(str(uuid.uuid4()), family_id or str(uuid.uuid4()), user_id,
                              uuid.uuid4().hex * 2, NOW, NOW + timedelta(days=30))


def owner(accounts: Accounts) -> str:
    """A stored user for refresh tokens to belong to."""
    someone = user(f"{uuid.uuid4().hex[:12]}@example.test")
    with accounts() as uow:
        accounts.repository(uow, USERS).add(someone)
        uow.commit()
    return someone.id


def test_refresh_tokens_contract_found_by_hash_once_committed(unit_of_work: Accounts) -> None:
    kept, dropped = token(owner(unit_of_work)), token(owner(unit_of_work))
    with unit_of_work() as uow:
        unit_of_work.repository(uow, REFRESH_TOKENS).add(kept)
        uow.commit()
    with unit_of_work() as uow:
        unit_of_work.repository(uow, REFRESH_TOKENS).add(dropped)
    with unit_of_work() as uow:
        store = unit_of_work.repository(uow, REFRESH_TOKENS)
        assert store.get_by_hash(kept.token_hash) == kept
        assert store.get_by_hash(dropped.token_hash) is None
        assert store.get_by_hash("0" * 64) is None


def test_refresh_tokens_contract_are_marked_used_once(unit_of_work: Accounts) -> None:
    record = token(owner(unit_of_work))
    with unit_of_work() as uow:
        unit_of_work.repository(uow, REFRESH_TOKENS).add(record)
        uow.commit()
    with unit_of_work() as uow:
        assert unit_of_work.repository(uow, REFRESH_TOKENS).mark_used(record.id, NOW)
    with unit_of_work() as uow:  # that marking was rolled back
        store = unit_of_work.repository(uow, REFRESH_TOKENS)
        assert store.mark_used(record.id, NOW) is True
        assert store.mark_used(record.id, NOW) is False
        uow.commit()
    with unit_of_work() as uow:  # a concurrent refresh comes second
        store = unit_of_work.repository(uow, REFRESH_TOKENS)
        assert store.mark_used(record.id, NOW + timedelta(seconds=1)) is False
        assert store.get_by_hash(record.token_hash).used_at == NOW


def test_refresh_tokens_contract_revoke_a_family_or_a_user(unit_of_work: Accounts) -> None:
    ann, bob = owner(unit_of_work), owner(unit_of_work)
    family = str(uuid.uuid4())
    records = [token(ann, family), token(ann, family), token(ann), token(bob)]
    with unit_of_work() as uow:
        for record in records:
            unit_of_work.repository(uow, REFRESH_TOKENS).add(record)
        uow.commit()

    def revoked() -> list[datetime | None]:
        with unit_of_work() as uow:
            store = unit_of_work.repository(uow, REFRESH_TOKENS)
            return [store.get_by_hash(record.token_hash).revoked_at for record in records]

    later = NOW + timedelta(hours=1)
    with unit_of_work() as uow:
        unit_of_work.repository(uow, REFRESH_TOKENS).revoke_family(family, NOW)
        uow.commit()
    assert revoked() == [NOW, NOW, None, None]
    with unit_of_work() as uow:
        unit_of_work.repository(uow, REFRESH_TOKENS).revoke_user(ann, later)  # no commit
    assert revoked() == [NOW, NOW, None, None]
    with unit_of_work() as uow:
        unit_of_work.repository(uow, REFRESH_TOKENS).revoke_user(ann, later)
        uow.commit()
    assert revoked()[2:] == [later, None]


def test_refresh_tokens_contract_a_transaction_sees_its_own_writes(
        unit_of_work: Accounts) -> None:
    record = token(owner(unit_of_work))
    with unit_of_work() as uow:
        store = unit_of_work.repository(uow, REFRESH_TOKENS)
        store.add(record)
        assert store.get_by_hash(record.token_hash) == record
        assert store.mark_used(record.id, NOW) is True
        assert store.get_by_hash(record.token_hash).used_at == NOW
        store.revoke_family(record.family_id, NOW)
        assert store.get_by_hash(record.token_hash).revoked_at == NOW


def test_used_tokens_contract_consume_once(unit_of_work: Accounts) -> None:
    with unit_of_work() as uow:
        assert unit_of_work.repository(uow, USED_TOKENS).consume("jti-dropped", "verify_email",
                                                                 NOW)
    with unit_of_work() as uow:
        used = unit_of_work.repository(uow, USED_TOKENS)
        assert used.consume("jti-dropped", "verify_email", NOW) is True  # was rolled back
        assert used.consume("jti-kept", "reset_password", NOW) is True
        assert used.consume("jti-kept", "reset_password", NOW) is False
        uow.commit()
    with unit_of_work() as uow:
        used = unit_of_work.repository(uow, USED_TOKENS)
        assert used.consume("jti-kept", "reset_password", NOW) is False
        assert used.consume("jti-dropped", "verify_email", NOW) is False
        assert used.consume("jti-new", "reset_password", NOW) is True


def test_login_attempts_contract_saves_reads_back_and_clears(unit_of_work: Accounts) -> None:
    key, other = "a" * 64, "b" * 64
    with unit_of_work() as uow:
        attempts = unit_of_work.repository(uow, LOGIN_ATTEMPTS)
        assert attempts.get(key) == LoginAttempts(key)  # none yet
        once = LoginAttempts(key).after_failure(NOW)
        attempts.save(once)
        assert attempts.get(key) == once  # the transaction reads its own save
    with unit_of_work() as uow:  # never committed
        assert unit_of_work.repository(uow, LOGIN_ATTEMPTS).get(key) == LoginAttempts(key)
    held = LoginAttempts(key, 7, NOW, NOW + timedelta(seconds=4))
    with unit_of_work() as uow:
        attempts = unit_of_work.repository(uow, LOGIN_ATTEMPTS)
        attempts.save(LoginAttempts(key).after_failure(NOW))
        attempts.save(held)  # saved again in one transaction: the last one counts
        attempts.save(LoginAttempts(other).after_failure(NOW))
        uow.commit()
    with unit_of_work() as uow:
        attempts = unit_of_work.repository(uow, LOGIN_ATTEMPTS)
        assert attempts.get(key) == held
        attempts.clear(key)
        attempts.clear("c" * 64)  # nothing to clear: fine
        uow.commit()
    with unit_of_work() as uow:
        attempts = unit_of_work.repository(uow, LOGIN_ATTEMPTS)
        assert attempts.get(key) == LoginAttempts(key)
        assert attempts.get(other).failures == 1
