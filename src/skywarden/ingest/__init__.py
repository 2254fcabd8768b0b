"""Decoders for what cooperative aircraft broadcast: Remote ID and ADS-B.

``remoteid`` is the ASTM F3411 message codec, ``transports`` finds those messages in
Wi-Fi and Bluetooth captures, ``adsb`` decodes and encodes Mode S extended squitters,
``beast`` and ``sbs`` read the outputs of dump1090/readsb receivers, and
``cooperative`` turns all of it into position fixes for the tracker.
"""
