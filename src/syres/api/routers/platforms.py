"""`/v1/platforms`: the SIP platforms and their fair-use limits, from the terms file."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from syres.api.auth import TokenAuth
from syres.terms import load_terms

router = Router(tags=["conditions"])


class DestinationOut(Schema):
    name: str
    country: str


class PlatformOut(Schema):
    code: str
    name: str
    distinct_numbers_per_channel: int
    outgoing_hours_per_channel: int
    max_call_seconds: int | None
    includes_us_ca_mobiles: bool
    call_centre_forbidden: bool
    included_destinations: list[DestinationOut]


def _platforms() -> list[PlatformOut]:
    return [
        PlatformOut(
            code=code,
            name=platform.name,
            distinct_numbers_per_channel=platform.distinct_numbers_per_channel,
            outgoing_hours_per_channel=platform.outgoing_hours_per_channel,
            max_call_seconds=platform.max_call_seconds,
            includes_us_ca_mobiles=platform.includes_us_ca_mobiles,
            call_centre_forbidden=platform.call_centre_forbidden,
            included_destinations=[
                DestinationOut(name=d.name, country=d.country)
                for d in platform.included_destinations
            ],
        )
        for code, platform in load_terms().platforms.items()
    ]


@router.get(
    "/platforms",
    response=list[PlatformOut],
    auth=[TokenAuth("catalog:read")],
    summary="Plateformes SIP et limites d'usage raisonnable (R-SIP, R-DEST-3)",
)
@paginate(LimitOffsetPagination)
def list_platforms(request: HttpRequest) -> list[PlatformOut]:
    return _platforms()


@router.get(
    "/platforms/{code}",
    response=PlatformOut,
    auth=[TokenAuth("catalog:read")],
    summary="Une plateforme SIP",
)
def get_platform(request: HttpRequest, code: str) -> PlatformOut:
    for platform in _platforms():
        if platform.code == code:
            return platform
    raise Http404(f"aucune plateforme « {code} »")
