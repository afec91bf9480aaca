"""Each person's allowance of advisor calls: a call is reserved before the vendor is asked
(so two requests cannot both take the last one), settled with its tokens when it answers,
and released when it fails: a vendor's fault is never charged."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Protocol, TypeVar

from application.career.config import CareerPolicy
from application.career.ports import CareerUnitOfWork, TokenUsage
from application.shared.ports import Clock, IdGenerator
from domain.career.advice import AdviceKind, AdvisorCall
from domain.shared.errors import DomainError


class QuotaExceeded(DomainError):
    """No advisor call is left for now; ``retry_after`` seconds until one is."""

    code = "quota_exceeded"

    def __init__(self, message: str, retry_after: int, limit: int) -> None:
        super().__init__(message)
        self.retry_after, self.limit = retry_after, limit


class Charged(Protocol):
    @property
    def usage(self) -> TokenUsage: ...


A = TypeVar("A", bound=Charged)


class AdvisorAllowance:
    def __init__(self, uow: CareerUnitOfWork, clock: Clock, ids: IdGenerator,
                 policy: CareerPolicy) -> None:
        self.uow, self.clock, self.ids, self.policy = uow, clock, ids, policy

    def spend(self, user_id: str, kind: AdviceKind, provider: str, ask: Callable[[], A]) -> A:
        """Reserves a call, runs ``ask`` outside any transaction, settles or releases."""
        call_id = self._reserve(user_id, kind, provider)
        try:
            answer = ask()
        except BaseException:
            with self.uow:
                self.uow.calls.release(call_id)
                self.uow.commit()
            raise
        with self.uow:
            self.uow.calls.settle(call_id, answer.usage.prompt_tokens, answer.usage.output_tokens)
            self.uow.commit()
        return answer

    def _reserve(self, user_id: str, kind: AdviceKind, provider: str) -> str:
        now = self.clock.now()
        midnight = datetime.combine(now.date(), time(), now.tzinfo)
        with self.uow:
            if self.uow.calls.count_since(user_id, midnight) >= self.policy.daily_calls:
                tomorrow = midnight + timedelta(days=1)
                raise QuotaExceeded("today's advisor calls are used up",
                                    int((tomorrow - now).total_seconds()) + 1,
                                    self.policy.daily_calls)
            if self.uow.calls.count_since(user_id, now - timedelta(minutes=1)) >= \
                    self.policy.calls_per_minute:
                raise QuotaExceeded("too many advisor calls in a minute", 60,
                                    self.policy.calls_per_minute)
            call = AdvisorCall(self.ids.new_id(), user_id, kind, provider, now)
            self.uow.calls.add(call)
            self.uow.commit()
            return call.id
