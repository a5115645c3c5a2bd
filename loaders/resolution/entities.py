"""The entities resolution works on, read from the store (or built in memory by the benchmark)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...graph.store import GraphStore

# Identifiers that name one legal entity wherever they appear (registration_number only together
# with its jurisdiction: numbers repeat across registries).
STRONG_KEYS: tuple[str, ...] = ("lei", "unp", "ogrn", "inn", "imo")

_READ = {
    "Company": (
        "MATCH (c:Company) RETURN c.id AS id, c.name AS name, c.name_norm AS name_norm, c.aliases AS aliases, "
        "c.country AS country, c.lei AS lei, c.unp AS unp, c.inn AS inn, c.ogrn AS ogrn, "
        "c.registration_number AS registration_number, c.jurisdiction AS jurisdiction, c.imo AS imo, "
        "c.address AS address, c.sources AS sources ORDER BY id"
    ),
    "Person": (
        "MATCH (p:Person) RETURN p.id AS id, p.name AS name, p.name_norm AS name_norm, p.aliases AS aliases, "
        "p.country AS country, p.sources AS sources ORDER BY id"
    ),
}


@dataclass
class Entity:
    id: str
    name: str = ""
    name_norm: str = ""
    aliases: list[str] = field(default_factory=list)
    country: str | None = None
    address: str | None = None
    sources: list[str] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)  # strong identifiers, values stripped

    @classmethod
    def from_row(cls, row: dict) -> Entity:
        keys = {k: str(row[k]).strip() for k in STRONG_KEYS if row.get(k) not in (None, "")}
        if row.get("registration_number") and row.get("jurisdiction"):
            jurisdiction, number = str(row["jurisdiction"]).upper(), str(row["registration_number"]).strip()
            keys["registration_number"] = f"{jurisdiction}:{number}"
        aliases = row.get("aliases") or []
        if isinstance(aliases, str):
            aliases = [aliases]
        return cls(
            id=str(row["id"]), name=row.get("name") or "", name_norm=row.get("name_norm") or "",
            aliases=list(aliases), country=(row.get("country") or None), address=row.get("address") or None,
            sources=list(row.get("sources") or []), keys=keys,
        )


def read_entities(store: GraphStore, label: str) -> list[Entity]:
    """Every node of `label` (Company or Person) with what resolution compares."""
    return [Entity.from_row(r) for r in store.run(_READ[label])]
