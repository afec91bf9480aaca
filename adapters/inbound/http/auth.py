"""Bearer authentication for views: who is calling (401) and whether their role may (403)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import current_app, g, request

from application.shared.ports import Principal
from domain.shared.errors import AuthenticationFailed, PermissionDenied

F = TypeVar("F", bound=Callable[..., Any])
# A callable token -> Principal (the Authenticate use case), set by the app factory.
AUTHENTICATE_EXTENSION = "eduport.authenticate"
# Set on every view ``requires`` guards: the roles it names (empty: any signed-in user). The
# OpenAPI document reads it to declare the bearer requirement and the 401/403 it can answer.
REQUIRED_ROLES = "eduport_required_roles"


def current_principal() -> Principal:
    principal = g.get("principal")
    if principal is None:
        principal = _authenticate()
        g.principal = principal
    return cast(Principal, principal)


def _authenticate() -> Principal:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("send an access token as 'Authorization: Bearer <token>'")
    authenticate: Callable[[str], Principal] = current_app.extensions[AUTHENTICATE_EXTENSION]
    return authenticate(token.strip())


def requires(*roles: str) -> Callable[[F], F]:
    """Decorates a view method: authenticates, then (when roles are named) checks the role."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = current_principal()
            if roles and principal.role not in roles:
                raise PermissionDenied(f"this needs one of the roles: {', '.join(roles)}")
            return view(*args, **kwargs)

        setattr(wrapper, REQUIRED_ROLES, tuple(roles))
        return cast(F, wrapper)

    return decorate
