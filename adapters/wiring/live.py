"""The live classes' wiring: the video vendor (JaaS, a token-checking Jitsi or Agora when
their settings are present, otherwise public Jitsi rooms), room names, the reactions to a
session's start and the presence channel of each session."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from injector import Injector, provider, singleton

from adapters.outbound.live.jitsi import JitsiVideoRooms
from adapters.outbound.live.room_names import KeyedRoomNames
from adapters.outbound.persistence.live import SqlLiveUnitOfWork
from adapters.settings import Section, Settings, SettingsReader
from adapters.wiring.area import AreaModule
from adapters.wiring.choice import vendor_or_default
from application.live.announce_consultation import AnnounceConsultation
from application.live.announce_live_session import (
    BroadcastSessionStarted,
    NotifySessionStarted,
)
from application.live.authorize_presence import MayEnterSession
from application.live.config import ConsultationPolicy, LivePolicy
from application.live.credit_packs import TakeBackPackCredits, TopUpPackCredits
from application.live.ports import LiveUnitOfWork, RoomNames, VideoRooms
from application.messaging.channels import ChannelRule
from domain.live.events import ConsultationEnded, ConsultationStarted, LiveSessionStarted
from domain.payments.events import CreditPackPurchased, CreditPackRefunded


@dataclass(frozen=True)
class LiveSettings:
    jitsi_domain: str = "meet.jit.si"
    jitsi_app_id: str | None = None
    jitsi_app_secret: str | None = None
    jaas_app_id: str | None = None
    jaas_key_id: str | None = None
    jaas_private_key: str | None = None
    agora_app_id: str | None = None
    agora_app_certificate: str | None = None
    agora_token_ttl_seconds: int = 3600
    room_secret: str | None = None  # unset: derived from JWT_SECRET
    grace_minutes: int = 30
    consultation_min_minutes: int = 5
    consultation_hold_step_minutes: int = 5

    @classmethod
    def read(cls, reader: SettingsReader) -> LiveSettings:
        jitsi = reader.together("Jitsi token auth", ("JITSI_APP_ID", "JITSI_APP_SECRET"))
        jaas = reader.together("JaaS", ("JAAS_APP_ID", "JAAS_KEY_ID", "JAAS_PRIVATE_KEY"))
        # Agora without its certificate would hand out tokens no channel accepts.
        agora = reader.together("Agora", ("AGORA_APP_ID", "AGORA_APP_CERTIFICATE"))
        secret = reader.text("LIVE_ROOM_SECRET")
        if secret is not None and len(secret.encode()) < 16:
            reader.problems.append("LIVE_ROOM_SECRET needs at least 16 characters")
        key = jaas.get("JAAS_PRIVATE_KEY")
        return cls(
            jitsi_domain=reader.required("JITSI_DOMAIN", "meet.jit.si"),
            jitsi_app_id=jitsi.get("JITSI_APP_ID"), jitsi_app_secret=jitsi.get("JITSI_APP_SECRET"),
            jaas_app_id=jaas.get("JAAS_APP_ID"), jaas_key_id=jaas.get("JAAS_KEY_ID"),
            # An environment variable often carries a PEM with its newlines written as \n.
            jaas_private_key=key.replace("\\n", "\n") if key else None,
            agora_app_id=agora.get("AGORA_APP_ID"),
            agora_app_certificate=agora.get("AGORA_APP_CERTIFICATE"),
            agora_token_ttl_seconds=reader.integer("AGORA_TOKEN_TTL_SECONDS", 3600, 60),
            room_secret=secret,
            grace_minutes=reader.integer("LIVE_SESSION_GRACE_MINUTES", 30, 0),
            consultation_min_minutes=reader.integer("CONSULTATION_MIN_MINUTES", 5, 1),
            consultation_hold_step_minutes=reader.integer("CONSULTATION_HOLD_STEP_MINUTES", 5,
                                                          1))


class LiveModule(AreaModule):
    sections: Sequence[type[Section]] = (LiveSettings,)
    unit_of_work = (LiveUnitOfWork, SqlLiveUnitOfWork)
    handlers = {LiveSessionStarted: (("broadcast_started", BroadcastSessionStarted),
                                     ("notify_started", NotifySessionStarted)),
                ConsultationStarted: (("announce", AnnounceConsultation),),
                ConsultationEnded: (("announce", AnnounceConsultation),),
                # Packs are sold by payments; their credits are this area's ledger's.
                CreditPackPurchased: (("credit_pack_top_up", TopUpPackCredits),),
                CreditPackRefunded: (("credit_pack_take_back", TakeBackPackCredits),)}

    def channel_rules_for(self, injector: Injector) -> Sequence[ChannelRule]:
        # A session's participants: the same rule as joining it.
        return (ChannelRule("presence-session.{id}",
                            lambda principal, session_id: injector.get(MayEnterSession)(
                                principal, session_id)),)

    @singleton
    @provider
    def video_rooms(self, settings: Settings) -> VideoRooms:
        live = settings.section(LiveSettings)

        def jitsi_token() -> VideoRooms:
            from adapters.outbound.live.jitsi import JitsiTokenVideoRooms

            return JitsiTokenVideoRooms(live.jitsi_domain, live.jitsi_app_id or "",
                                        live.jitsi_app_secret or "")

        def jaas() -> VideoRooms:
            from adapters.outbound.live.jitsi import JaasVideoRooms

            return JaasVideoRooms(live.jaas_app_id or "", live.jaas_key_id or "",
                                  live.jaas_private_key or "")

        def agora() -> VideoRooms:
            from adapters.outbound.live.agora import AgoraVideoRooms

            return AgoraVideoRooms(live.agora_app_id or "", live.agora_app_certificate or "",
                                   timedelta(seconds=live.agora_token_ttl_seconds))

        return vendor_or_default({
            "jitsi-token": jitsi_token if live.jitsi_app_id else None,
            "jaas": jaas if live.jaas_app_id else None,
            "agora": agora if live.agora_app_id else None,
        }, ("jitsi", lambda: JitsiVideoRooms(live.jitsi_domain)))

    @singleton
    @provider
    def room_names(self, settings: Settings) -> RoomNames:
        secret = settings.section(LiveSettings).room_secret
        if secret is not None:
            return KeyedRoomNames(secret.encode())
        # A key of its own, derived from the JWT secret: one secret fewer to configure.
        return KeyedRoomNames(hmac.new(settings.jwt_secret.encode(), b"eduport live rooms",
                                       hashlib.sha256).digest())

    @singleton
    @provider
    def policy(self, settings: Settings) -> LivePolicy:
        return LivePolicy(grace=timedelta(minutes=settings.section(LiveSettings).grace_minutes))

    @singleton
    @provider
    def consultation_policy(self, settings: Settings) -> ConsultationPolicy:
        live = settings.section(LiveSettings)
        return ConsultationPolicy(min_minutes=live.consultation_min_minutes,
                                  hold_step_minutes=live.consultation_hold_step_minutes)
