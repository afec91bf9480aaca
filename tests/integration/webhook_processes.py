"""Worker processes for the webhook crash test (``python -m tests.integration.webhook_processes``).

``dying-worker``  an RQ worker whose payment provider kills the process the moment processing
                  asks it for the payment's state: the delivery is claimed, never finished.
``worker``        the real RQ worker with its cron scheduler.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from injector import Injector, Module, provider, singleton

from application.payments.providers import PaymentGateways

DIED = 17


class DiesOnFetch:
    def __init__(self, gateway: Any) -> None:
        self.gateway = gateway
        self.provider = gateway.provider

    def __getattr__(self, name: str) -> Any:
        return getattr(self.gateway, name)

    def fetch(self, reference: str) -> Any:
        os._exit(DIED)


class DyingGatewayModule(Module):
    def __init__(self, injector: Injector) -> None:
        self.real = injector

    @singleton
    @provider
    def gateways(self) -> PaymentGateways:
        real = self.real.get(PaymentGateways)
        return PaymentGateways({name: DiesOnFetch(gateway)  # type: ignore[misc]
                                for name, gateway in real.by_provider.items()}, real.flows)


def main(argv: list[str]) -> None:
    from adapters.inbound.cli import run_worker
    from adapters.settings import Settings
    from bootstrap import build_injector

    settings = Settings.from_env(dotenv=False)
    if argv[0] == "dying-worker":
        injector = build_injector(settings, DyingGatewayModule(build_injector(settings)))
        run_worker(settings, injector, burst=True, with_cron=False)
    elif argv[0] == "worker":
        run_worker(settings, build_injector(settings), burst=False, with_cron=True)


if __name__ == "__main__":
    main(sys.argv[1:])
