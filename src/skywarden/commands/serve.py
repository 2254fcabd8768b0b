"""``skywarden serve``: the live service, with its API and operator map."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def _address(value: str | None) -> tuple[str, int] | None:
    from skywarden.serve.service import parse_address

    if value is None:
        return None
    try:
        return parse_address(value)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


def serve(
    site: Annotated[Path, typer.Option("--site", help="Site file (or a recording folder).")],
    http: Annotated[str, typer.Option(help="HOST:PORT of the API and map.")] = "127.0.0.1:8080",
    sapient: Annotated[str, typer.Option(help="HOST:PORT of the SAPIENT fusion node.")]
    = "127.0.0.1:5020",
    db: Annotated[str, typer.Option(help="sqlite:///FILE or postgresql://...")]
    = "sqlite:///skywarden.db",
    replay: Annotated[
        Path | None, typer.Option(help="Play this recording folder as a live feed.")
    ] = None,
    speed: Annotated[float, typer.Option(help="Replay speed (2 = twice as fast).")] = 1.0,
    loop: Annotated[bool, typer.Option("--loop", help="Start the replay over when it ends.")]
    = False,
    beast: Annotated[str | None, typer.Option(help="HOST:PORT of a Beast ADS-B feed.")] = None,
    sbs: Annotated[str | None, typer.Option(help="HOST:PORT of an SBS (BaseStation) feed.")]
    = None,
    reports: Annotated[
        str | None,
        typer.Option(help="HOST:PORT where receivers (Remote ID, RF, acoustic, ...) send "
                          "report lines in the recording format."),
    ] = None,
    tile_url: Annotated[
        str | None, typer.Option(help="Raster tile URL template ({z}/{x}/{y}) for the map.")
    ] = None,
    period: Annotated[float, typer.Option(help="Seconds between two pictures.")] = 1.0,
    lag: Annotated[
        float, typer.Option(help="Seconds the picture trails real time, so that reports "
                            "arriving that late still count.")
    ] = 1.0,
) -> None:
    """Run the live service: SAPIENT and ADS-B ingest, tracking, alerts, API and map."""
    import asyncio
    import sys

    from skywarden.console import print_message
    from skywarden.recording import SiteError
    from skywarden.serve.service import Service, ServiceConfig
    from skywarden.serve.store import StoreError

    if speed <= 0.0:
        raise typer.BadParameter("--speed must be positive")
    if lag < 0.0 or period <= 0.0:
        raise typer.BadParameter("--lag must not be negative and --period must be positive")
    config = ServiceConfig(
        site_file=site, http=_address(http) or ("127.0.0.1", 8080), sapient=_address(sapient),
        db_url=db, replay=replay, speed=speed, loop=loop, beast=_address(beast),
        sbs=_address(sbs), reports=_address(reports), tile_url=tile_url, period_s=period,
        lag_s=lag,
    )

    async def run() -> None:
        service = Service(config)
        started = await service.start()
        print_message(f"Skywarden is serving the map and API at {started.url}")
        if started.reports is not None:
            print_message(f"Report lines accepted on {started.reports[0]}:{started.reports[1]}")
        if started.new_admin_token is not None:
            print_message(f"Admin token (shown once, keep it): {started.new_admin_token}")
        elif config.admin_token:
            print_message("Admin token: the one in SKYWARDEN_ADMIN_TOKEN")
        else:
            print_message("Admin token: the one shown at the first start with this database")
        if started.sapient is not None:
            print_message(f"SAPIENT fusion node on {started.sapient[0]}:{started.sapient[1]}")
        sys.stdout.flush()
        try:
            await service.wait()
        finally:
            await service.stop()

    try:
        asyncio.run(run())
    except (SiteError, StoreError, OSError) as error:
        print_message(f"Cannot serve: {error}", error=True)
        raise typer.Exit(code=1) from None
    except KeyboardInterrupt:
        pass
