"""Accounts: registration, sessions, email verification, password reset, the caller's profile."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from injector import inject
from marshmallow import Schema, fields, validate

from adapters.inbound.http.auth import current_principal, requires
from adapters.inbound.http.json_bodies import Blueprint
from adapters.inbound.http.schemas import problem_response
from application.accounts.change_profile import ChangeProfile, ChangeProfileCommand
from application.accounts.get_profile import GetProfile, Profile
from application.accounts.log_in import LogIn, LogInCommand
from application.accounts.log_out import LogOut, LogOutCommand
from application.accounts.refresh_session import RefreshSession, RefreshSessionCommand
from application.accounts.register_user import RegisterUser, RegisterUserCommand, RegisterUserResult
from application.accounts.request_email_verification import RequestEmailVerification
from application.accounts.request_password_reset import (
    RequestPasswordReset,
    RequestPasswordResetCommand,
)
from application.accounts.reset_password import ResetPassword, ResetPasswordCommand
from application.accounts.sessions import SessionTokens
from application.accounts.verify_email import VerifyEmail, VerifyEmailCommand
from domain.accounts.model import SELF_SERVICE_ROLES
from domain.shared.locale import Locale

blp = Blueprint("accounts", __name__, url_prefix="/auth", description="Accounts and sessions")
me_blp = Blueprint("me", __name__, url_prefix="/me", description="The signed-in user")


class RegistrationSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=256))
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.OneOf(sorted(SELF_SERVICE_ROLES)))
    locale = fields.String(validate=validate.OneOf([locale.value for locale in Locale]),
                           metadata={"description": "the language of messages; from "
                                                    "Accept-Language when absent"})


class RegisteredSchema(Schema):
    """The same answer whether or not the address has an account already."""

    email = fields.String()
    role = fields.String()


class CredentialsSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=256))


class SessionSchema(Schema):
    access_token = fields.String()
    token_type = fields.Constant("Bearer")
    expires_in = fields.Integer(metadata={"description": "seconds until the access token expires"})
    refresh_token = fields.String()
    user_id = fields.String()
    role = fields.String()


class RefreshSchema(Schema):
    refresh_token = fields.String(required=True, validate=validate.Length(max=200))


class TokenSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(max=2000))


class EmailSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(max=254))


class NewPasswordSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(max=2000))
    new_password = fields.String(required=True, load_only=True,
                                 validate=validate.Length(max=256))


class ProfileSchema(Schema):
    user_id = fields.String()
    email = fields.String()
    full_name = fields.String()
    role = fields.String()
    email_verified = fields.Boolean()
    created_at = fields.DateTime()
    locale = fields.String()
    email_undeliverable = fields.String(
        allow_none=True, metadata={"description": "why mail no longer reaches the address "
                                                  "(bounced, complained), or null"})


class ProfileChangesSchema(Schema):
    locale = fields.String(validate=validate.OneOf([locale.value for locale in Locale]))


class AcceptedSchema(Schema):
    status = fields.String()


@blp.route("/register")
class Registration(MethodView):
    @inject
    def __init__(self, register: RegisterUser) -> None:
        self.register = register

    @blp.arguments(RegistrationSchema)
    @blp.response(202, RegisteredSchema)
    @blp.alt_response(429, **problem_response("Too many registrations from this address"))
    def post(self, body: dict[str, Any]) -> RegisterUserResult:
        """Create a student, teacher or company account; a verification email follows. An
        address that has an account gets the same answer, and its owner an email."""
        locale = body.pop("locale", None) or Locale.from_accept_language(
            request.headers.get("Accept-Language")).value
        return self.register(RegisterUserCommand(**body, locale=locale))


@blp.route("/login")
class Login(MethodView):
    @inject
    def __init__(self, log_in: LogIn) -> None:
        self.log_in = log_in

    @blp.arguments(CredentialsSchema)
    @blp.response(200, SessionSchema)
    @blp.alt_response(401, **problem_response("Wrong email or password (never says which)"))
    @blp.alt_response(429, **problem_response("Too many attempts from this address"))
    def post(self, body: dict[str, Any]) -> SessionTokens:
        """Exchange credentials for an access token and a refresh token."""
        return self.log_in(LogInCommand(**body))


@blp.route("/refresh")
class Refresh(MethodView):
    @inject
    def __init__(self, refresh: RefreshSession) -> None:
        self.refresh = refresh

    @blp.arguments(RefreshSchema)
    @blp.response(200, SessionSchema)
    @blp.alt_response(401, **problem_response("The refresh token is unknown, used or expired"))
    def post(self, body: dict[str, Any]) -> SessionTokens:
        """Rotate a refresh token: the old one stops working, a new pair is returned."""
        return self.refresh(RefreshSessionCommand(**body))


@blp.route("/logout")
class Logout(MethodView):
    @inject
    def __init__(self, log_out: LogOut) -> None:
        self.log_out = log_out

    @requires()
    @blp.arguments(RefreshSchema)
    @blp.response(204)
    @blp.alt_response(401, **problem_response("No valid access token"))
    def post(self, body: dict[str, Any]) -> None:
        """End the session of a refresh token."""
        self.log_out(LogOutCommand(current_principal().user_id, body["refresh_token"]))


@blp.route("/verify-email")
class EmailVerification(MethodView):
    @inject
    def __init__(self, verify: VerifyEmail) -> None:
        self.verify = verify

    @blp.arguments(TokenSchema)
    @blp.response(200, AcceptedSchema)
    @blp.alt_response(400, **problem_response("The link is forged, expired or already used"))
    def post(self, body: dict[str, Any]) -> dict[str, str]:
        """Confirm an email address with the token from the verification email."""
        self.verify(VerifyEmailCommand(**body))
        return {"status": "verified"}


@blp.route("/verify-email/resend")
class EmailVerificationResend(MethodView):
    @inject
    def __init__(self, request_link: RequestEmailVerification) -> None:
        self.request_link = request_link

    @requires()
    @blp.response(202, AcceptedSchema)
    @blp.alt_response(401, **problem_response("No valid access token"))
    def post(self) -> dict[str, str]:
        """Send a new verification link to the signed-in user."""
        sent = self.request_link(current_principal().user_id)
        return {"status": "sent" if sent else "already_verified"}


@blp.route("/password-reset")
class PasswordResetRequest(MethodView):
    @inject
    def __init__(self, request_reset: RequestPasswordReset) -> None:
        self.request_reset = request_reset

    @blp.arguments(EmailSchema)
    @blp.response(202, AcceptedSchema)
    def post(self, body: dict[str, Any]) -> dict[str, str]:
        """Email a reset link if the account exists; the answer is the same if it does not."""
        self.request_reset(RequestPasswordResetCommand(**body))
        return {"status": "accepted"}


@blp.route("/password-reset/confirm")
class PasswordResetConfirm(MethodView):
    @inject
    def __init__(self, reset: ResetPassword) -> None:
        self.reset = reset

    @blp.arguments(NewPasswordSchema)
    @blp.response(204)
    @blp.alt_response(400, **problem_response("The link is forged, expired or already used"))
    @blp.alt_response(422, **problem_response("The new password is too weak"))
    def post(self, body: dict[str, Any]) -> None:
        """Set a new password with the token from the reset email; ends every session."""
        self.reset(ResetPasswordCommand(**body))


@me_blp.route("")
class Me(MethodView):
    @inject
    def __init__(self, profile: GetProfile, change: ChangeProfile) -> None:
        self.profile, self.change = profile, change

    @requires()
    @me_blp.response(200, ProfileSchema)
    @me_blp.alt_response(401, **problem_response("No valid access token"))
    def get(self) -> Profile:
        """The signed-in user's account."""
        return self.profile(current_principal().user_id)

    @requires()
    @me_blp.arguments(ProfileChangesSchema)
    @me_blp.response(200, ProfileSchema)
    @me_blp.alt_response(401, **problem_response("No valid access token"))
    def patch(self, body: dict[str, Any]) -> Profile:
        """Change the account's settings: ``locale``, the language of its messages."""
        return self.change(ChangeProfileCommand(current_principal(), **body))
