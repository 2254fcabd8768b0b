"""``skywarden plan``: where do the site's sensors see a small drone, and where to add more?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def plan(
    site_json: Annotated[Path, typer.Argument(help="Site file (or a recording folder).")],
    area: Annotated[
        str,
        typer.Option(
            help="Area to cover: a GeoJSON polygon file, or min_lon,min_lat,max_lon,max_lat."
        ),
    ],
    out: Annotated[Path, typer.Option(help="Folder for the maps, GeoJSON and summary.")],
    city: Annotated[
        Path | None,
        typer.Option(help="Buildings: GeoJSON or OpenStreetMap file (default: the site's 'city')."),
    ] = None,
    candidates: Annotated[
        Path | None, typer.Option(help="Candidate sites: GeoJSON points (type/template, cost).")
    ] = None,
    budget: Annotated[
        float | None, typer.Option(help="Total cost the chosen sites may spend.")
    ] = None,
    count: Annotated[int | None, typer.Option(help="Number of sites to choose.")] = None,
    resolution: Annotated[float, typer.Option(help="Cell size, metres.")] = 25.0,
    bands: Annotated[
        str, typer.Option(help="Altitude bands above ground, metres, comma-separated.")
    ] = "30,60,120,300",
    drone: Annotated[
        str, typer.Option(help="Drone model planned for (multirotor, fixed_wing).")
    ] = "multirotor",
    threshold: Annotated[
        float, typer.Option(help="Detection probability at which a cell counts as covered.")
    ] = 0.5,
    objective: Annotated[
        str, typer.Option(help="Placement maximises coverage by 'any' sensor or by 'non-rf' ones.")
    ] = "any",
    ground_alt: Annotated[
        float | None,
        typer.Option(help="Ground height above the ellipsoid (default: the site's ground_alt_m)."),
    ] = None,
    grid_geojson: Annotated[
        bool, typer.Option(help="Write coverage.geojson (one polygon per cell: large).")
    ] = True,
) -> None:
    """Map small-drone coverage over an area, per altitude band, and choose new sites."""
    from skywarden.console import print_message, print_table
    from skywarden.plan.area import PlanInputError, read_area, read_candidates
    from skywarden.plan.outputs import write_outputs
    from skywarden.plan.planner import PlanOptions, plan_coverage
    from skywarden.plan.progress import progress_bar
    from skywarden.plan.report import tables
    from skywarden.recording import SiteError, read_site

    try:
        site = read_site(site_json)
        site_file = site_json / "site.json" if site_json.is_dir() else site_json
        ground = ground_alt if ground_alt is not None else float(
            site.params.get("ground_alt_m", 0.0)
        )
        if city is None and isinstance(site.params.get("city"), str):
            city = site_file.parent / site.params["city"]
        options = PlanOptions(
            resolution_m=resolution,
            bands_m=tuple(float(b) for b in bands.split(",") if b.strip()),
            drone=drone,
            threshold=threshold,
            objective=objective,
            budget=budget,
            count=count,
            ground_alt_m=ground,
        )
        if candidates is not None and budget is None and count is None:
            raise PlanInputError("--candidates needs --budget or --count")
        chosen_from = read_candidates(candidates, site, ground) if candidates else []
        with progress_bar() as progress:
            result = plan_coverage(
                site, read_area(area), city, chosen_from, options, progress=progress
            )
    except (PlanInputError, SiteError, ValueError, OSError) as error:
        print_message(f"plan: {error}", error=True)
        raise typer.Exit(code=2) from None
    summary = tables(result)
    for table in summary:
        print_table(table.title, list(table.columns), table.rows)
    written = write_outputs(result, out, summary, grid_geojson=grid_geojson)
    print_message(
        f"{result.grid.cells} cells x {len(result.grid.bands_m)} bands, "
        f"{len(result.buildings)} buildings; wrote {len(written)} files to {out}"
    )
