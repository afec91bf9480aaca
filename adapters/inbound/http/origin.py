"""Where the request being served comes from, for the audit trail: the signed-in actor's
role, the client's address (``request.remote_addr``, which ``ProxyFix`` sets from
``X-Forwarded-For`` for the configured number of trusted proxies only) and the user
agent. Outside a request (a job, the CLI) there is none."""

from __future__ import annotations

from flask import g, has_request_context, request

from application.shared.ports import RequestOrigin

MAX_USER_AGENT = 300


class FlaskRequestOrigin:
    def current(self) -> RequestOrigin | None:
        if not has_request_context():
            return None
        principal = g.get("principal")
        agent = request.headers.get("User-Agent")
        return RequestOrigin(
            actor_role=str(principal.role) if principal is not None else None,
            client_ip=request.remote_addr,
            user_agent=agent[:MAX_USER_AGENT] if agent else None)
