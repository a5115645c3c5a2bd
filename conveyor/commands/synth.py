"""`conveyor synth`: write a synthetic trade network (fictional companies) with planted routes."""

from __future__ import annotations

from pathlib import Path

import click

from conveyor.loaders.synthetic import (
    BUYER_SKEW,
    HUB_SHARE,
    MAX_TRANSIT,
    ROWS_PER_BUYER,
    ROWS_PER_SELLER,
    generate_network,
)


@click.command()
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same network.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for colonies.csv, shipments.csv and truth.csv.")
@click.option("--shipments", "n_shipments", type=click.IntRange(100, 20_000_000), default=5000, show_default=True)
@click.option("--colonies", "n_colonies", type=click.IntRange(1, 1000), default=4, show_default=True)
@click.option("--routes", "n_routes", type=click.IntRange(0, 100_000), default=20, show_default=True,
              help="Planted relabeling routes (listed in truth.csv).")
@click.option("--hubs", "n_hubs", type=click.IntRange(0, 100_000), default=None,
              help="Hubs (supernodes trading with everyone); 0 for none.  [default: one per 500 shipments, 2-6]")
@click.option("--hub-share", type=click.FloatRange(0.0, 1.0), default=None,
              help=f"Share of background rows sold by hubs.  [default: {HUB_SHARE}, 0 with --hubs 0]")
@click.option("--rows-per-seller", type=click.FloatRange(min=1.0), default=ROWS_PER_SELLER,
              show_default=True, help="Background rows per seller; smaller means many small sellers.")
@click.option("--rows-per-buyer", type=click.FloatRange(min=1.0), default=ROWS_PER_BUYER,
              show_default=True, help="Background rows per buyer; smaller means many small buyers.")
@click.option("--buyer-skew", type=click.FloatRange(0.0), default=BUYER_SKEW, show_default=True,
              help="Buyer popularity 1/(rank+1)^skew; 0 for uniform.")
@click.option("--max-transit", type=click.IntRange(1, MAX_TRANSIT), default=2, show_default=True,
              help="Planted routes pass 1..N transit companies between dealer and buyer "
                   "(a route is N+2 hops: use `routes --max-hops` to match).")
@click.option("--resale", type=click.FloatRange(0.0, 1.0), default=0.0, show_default=True,
              help="Share of planted routes whose buyer then sells the goods inside its own country "
                   "(distribution noise, not part of the route).")
def synth(seed: int, out: Path, n_shipments: int, n_colonies: int, n_routes: int, n_hubs: int | None,
          hub_share: float | None, rows_per_seller: float, rows_per_buyer: float, buyer_skew: float,
          max_transit: int, resale: float) -> None:
    """A SYNTHETIC network: every company fictional, every row synthetic=true; truth.csv lists the
    planted routes. Load it with `conveyor load colonies` and `conveyor load trade`."""
    if n_hubs == 0 and hub_share:
        raise click.BadParameter("needs hubs: --hubs 0 sells no background rows from hubs", param_hint="--hub-share")
    paths = generate_network(seed, out, n_shipments=n_shipments, n_colonies=n_colonies, n_routes=n_routes,
                             n_hubs=n_hubs, hub_share=hub_share, rows_per_seller=rows_per_seller,
                             rows_per_buyer=rows_per_buyer, buyer_skew=buyer_skew, max_transit=max_transit,
                             resale=resale)
    for name, path in paths.items():
        click.echo(f"{name}: {path}")
