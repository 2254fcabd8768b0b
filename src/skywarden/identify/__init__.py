"""Identification: what each track is (drone, bird, aircraft), who it says it is
(Remote ID, ADS-B), whether it is dark, authorised or lying about its position."""

from skywarden.identify.classify import Classification, Classifier, ClassModel
from skywarden.identify.identifier import Identified, Identifier
from skywarden.identify.spoofing import SpoofFlag, SpoofKind, SpoofLimits

__all__ = [
    "ClassModel",
    "Classification",
    "Classifier",
    "Identified",
    "Identifier",
    "SpoofFlag",
    "SpoofKind",
    "SpoofLimits",
]
