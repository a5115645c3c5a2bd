"""`conveyor synth`: write a synthetic trade network (fictional companies) with planted routes."""

from __future__ import annotations

from pathlib import Path

import click

from loaders.synthetic import generate_network


@click.command()
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same network.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for colonies.csv, shipments.csv and truth.csv.")
@click.option("--shipments", "n_shipments", type=click.IntRange(100, 20_000_000), default=5000, show_default=True)
@click.option("--colonies", "n_colonies", type=click.IntRange(1, 1000), default=4, show_default=True)
@click.option("--routes", "n_routes", type=click.IntRange(0, 100_000), default=20, show_default=True,
              help="Planted relabeling routes (listed in truth.csv).")
def synth(seed: int, out: Path, n_shipments: int, n_colonies: int, n_routes: int) -> None:
    """A SYNTHETIC network: every company fictional, every row synthetic=true; truth.csv lists the
    planted routes. Load it with `conveyor load colonies` and `conveyor load trade`."""
    paths = generate_network(seed, out, n_shipments=n_shipments, n_colonies=n_colonies, n_routes=n_routes)
    for name, path in paths.items():
        click.echo(f"{name}: {path}")
