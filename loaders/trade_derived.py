"""What is derived from shipments and kept in step with every shipment load: the SUPPLIES edges
(seller -> buyer with codes, first/last date, count, value) and the company role labels.

Pattern predicates rather than EXISTS {} subqueries: FalkorDB does not parse the latter, Neo4j takes both."""

from __future__ import annotations

from collections.abc import Iterable

from graph.store.base import GraphStore

DERIVED_SOURCE = "derived:shipments"

REBUILD_SUPPLIES = """
MATCH (a:Company)-[:SHIPPED]->(s:Shipment)-[:CONSIGNED_TO]->(b:Company)
WITH a, b, collect(DISTINCT s.hs_code) AS codes, min(s.date) AS first, max(s.date) AS last,
     count(s) AS n, sum(coalesce(s.value, 0.0)) AS value
MERGE (a)-[r:SUPPLIES]->(b)
SET r.hs_codes = codes, r.first = first, r.last = last, r.shipments = n, r.value = value,
    r.sources = [$derived]
RETURN count(r) AS supplies
"""

DROP_STALE_SUPPLIES = """
MATCH (a:Company)-[r:SUPPLIES]->(b:Company)
OPTIONAL MATCH (a)-[:SHIPPED]->(s:Shipment)-[:CONSIGNED_TO]->(b)
WITH r, count(s) AS n WHERE n = 0
DELETE r
RETURN count(*) AS dropped
"""

# Roles other than Producer are read off the trade: recomputed, never accumulated.
CLEAR_TRADE_ROLES = "MATCH (c:Company) REMOVE c:Dealer, c:Intermediary, c:Buyer RETURN count(c) AS n"
SET_DEALERS = """
MATCH (:Colony)-[:OPERATES]->(:Company)-[:SUPPLIES]->(d:Company)
SET d:Dealer
RETURN count(DISTINCT d) AS n
"""
SET_INTERMEDIARIES = """
MATCH (x:Company)-[:SUPPLIES]->(:Company)
WHERE NOT x:Producer AND NOT x:Dealer AND (:Company)-[:SUPPLIES]->(x)
SET x:Intermediary
RETURN count(DISTINCT x) AS n
"""
SET_BUYERS = """
MATCH (:Company)-[:SUPPLIES]->(b:Company)
WHERE NOT (b)-[:SUPPLIES]->(:Company)
SET b:Buyer
RETURN count(DISTINCT b) AS n
"""


def refresh_trade_derivations(store: GraphStore) -> Iterable[str]:
    supplies = store.run(REBUILD_SUPPLIES, {"derived": DERIVED_SOURCE})[0]["supplies"]
    dropped = store.run(DROP_STALE_SUPPLIES)[0]["dropped"]
    store.run(CLEAR_TRADE_ROLES)
    roles = {name: store.run(q)[0]["n"] for name, q in
             (("dealers", SET_DEALERS), ("intermediaries", SET_INTERMEDIARIES), ("buyers", SET_BUYERS))}
    yield (f"derived: {supplies:,} SUPPLIES edges ({dropped:,} stale dropped); roles: "
           + ", ".join(f"{v:,} {k}" for k, v in roles.items()))
