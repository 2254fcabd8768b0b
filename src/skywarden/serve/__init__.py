"""The live service: ingest from sensors and feeds, run the pipeline, store and publish.

``runtime`` runs the asyncio pipeline, ``sapient`` the SAPIENT fusion-node server,
``feeds`` the Beast/SBS clients and recording replay, ``store`` the SQLite/PostgreSQL
storage, ``auth`` the bearer tokens and roles, ``api`` the HTTP/WebSocket interface and
``web/`` the operator map served by the same process.
"""
