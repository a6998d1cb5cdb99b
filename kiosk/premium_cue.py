"""Whether today's activity counts toward a premium registration (seed 004: three activities a
year designated by a municipality the registrant is registered with), in one word the gate can
show: for the activity on the start screen, and for each accepted pass on its banner.

The activity's `designated` flag and `municipality` come from the national system
(`GET /v1/activities`); an activity only known from the config has no municipality, and the
gate says it does not know rather than guess."""

from __future__ import annotations

from collections.abc import Sequence

from kiosk.models import PremiumCue
from kiosk.store.tables import Activity


def activity_cue(activity: Activity | None) -> PremiumCue:
    """For the start screen: designated or not (or not known)."""
    if activity is None or not activity.municipality:
        return PremiumCue.UNKNOWN
    return PremiumCue.DESIGNATED if activity.designated else PremiumCue.NOT_DESIGNATED


def registrant_cue(activity: Activity | None, municipalities: Sequence[str]) -> PremiumCue:
    """For an accepted pass: designated by one of the registrant's municipalities (`mun`)?"""
    cue = activity_cue(activity)
    if cue is not PremiumCue.DESIGNATED or activity is None:
        return cue
    return PremiumCue.YOURS if activity.municipality in municipalities else PremiumCue.OTHER
