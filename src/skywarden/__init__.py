"""Skywarden: the sense-and-warn layer of a city-wide counter-drone system.

It fuses radars, RF direction finders, acoustic arrays, EO/IR cameras, Remote ID and
ADS-B receivers into one air picture, identifies what flies, and warns of threats to
protected zones and moving assets. It never emits, jams or steers an effector.
"""

__version__ = "0.1.0"
