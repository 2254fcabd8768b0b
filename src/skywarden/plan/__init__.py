"""Coverage planning: where a city's sensors see a small drone, and where to add more.

``planner.plan_coverage`` runs a plan; ``area`` reads the area and candidate sites,
``grid`` lays out the cells, ``viewshed`` answers line of sight over the city raster,
``coverage`` combines the shared sensor models into per-sensor and network coverage,
``placement`` chooses sites greedily, ``report`` and ``outputs`` tell the results and
``progress`` shows how far a long plan has got.
"""
