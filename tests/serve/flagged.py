"""A stand-in pipeline whose tracks carry identification's flags: the drone the echo
pipeline follows is caught spoofing a Remote ID, and an authorised police drone hovers
beside it. Tests of the API and of the operator map run the live service on it."""

from __future__ import annotations

import dataclasses

from skywarden.model import Site, TargetClass, TrackState
from tests.serve.fakes import EchoPipeline, Picture

SPOOFER = "1581F4QWK21B00000777"
SPOOF_REASON = ("inconsistent_position: Remote ID claims a position 412 m from where "
                "sensors see the drone (gate 60 m)")
POLICE = "1581F5FJD22A00000001"
POLICE_TRACK = "P1"
POLICE_AUTH = "uas_id_signature"


class FlaggingPipeline(EchoPipeline):
    """The echo pipeline as identification completes it (see the module docstring)."""

    def advance(self, t: float) -> Picture:
        picture = super().advance(t)
        tracks = [dataclasses.replace(track, remote_id=SPOOFER, dark=False,
                                      spoof=(SPOOF_REASON,)) for track in picture.tracks]
        if tracks:
            tracks.append(TrackState(t=t, track_id=POLICE_TRACK, lat=33.3125, lon=44.3620,
                                     alt_m=60.0, vel_enu_mps=(0.0, 0.0, 0.0), pos_sigma_m=1.0,
                                     cls=TargetClass.DRONE, class_conf=0.99,
                                     sources=("radar-n",), remote_id=POLICE, authorised=True,
                                     remote_id_auth=POLICE_AUTH))
        return Picture(picture.t, tracks, picture.alerts)


def flagging(site: Site, period_s: float) -> FlaggingPipeline:
    """The pipeline factory ``live_service`` calls, for ``monkeypatch`` to put in place."""
    return FlaggingPipeline(site)
