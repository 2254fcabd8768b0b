"""One module a command of the ``skywarden`` CLI; each imports its heavy parts lazily so
that starting any command stays fast."""
