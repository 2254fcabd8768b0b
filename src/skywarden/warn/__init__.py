"""Warning: zones, moving assets, rules, the alert lifecycle and launch points."""

from skywarden.warn.alerts import AlertBook
from skywarden.warn.rules import (
    AssetApproach,
    DarkDrone,
    Loiter,
    PredictedEntry,
    Rule,
    SpoofedRemoteId,
    Swarm,
    ZoneEntry,
    default_rules,
    rules_from_config,
)
from skywarden.warn.warner import Warner

__all__ = [
    "AlertBook",
    "AssetApproach",
    "DarkDrone",
    "Loiter",
    "PredictedEntry",
    "Rule",
    "SpoofedRemoteId",
    "Swarm",
    "Warner",
    "ZoneEntry",
    "default_rules",
    "rules_from_config",
]
