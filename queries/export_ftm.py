"""A selection as FollowTheMoney entity lines (one JSON entity per line), the format Aleph, OpenSanctions'
tools (nomenklatura, yente) and `ftm` read, built with the followthemoney package itself.

Mapping (FtM schemata as published in followthemoney/schema/*.yaml):
  Company -> Company, Person -> Person, Colony -> PublicBody (a state penal institution), Address ->
  Address (linked from its entity by addressEntity), any other node -> LegalEntity;
  OWNS -> Ownership (owner, asset, percentage), DIRECTS -> Directorship, HEADS -> Directorship (a head
  of a colony), SANCTIONED -> Sanction (entity, program, authority, listingDate), a shipment hop
  (SHIPPED) or a pair's aggregate trade (SUPPLIES) -> EconomicActivity, FtM's customs declaration:
  sender, receiver, commodity code (vedCode), date, origin country, the evidence row as recordId and
  description; ASSOCIATE between persons -> Associate; OPERATES, CONSOLIDATED_BY, NOTIFIES and anything
  else -> UnknownLink with the relationship as its role.
Ids are stable: a hash of "conveyor" and the node key (or edge key), so a re-export gives the same ids.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
from followthemoney import model

from ..graph.files import atomic_output

NODE_SCHEMA = {"Company": "Company", "Person": "Person", "Colony": "PublicBody", "Address": "Address"}
NAMESPACE = "conveyor"


def _proxy(schema: str, *key: Any):
    proxy = model.make_entity(schema)
    proxy.make_id(NAMESPACE, *map(str, key))
    return proxy


def _add(proxy, prop: str, value: Any) -> None:
    if value is None or value == "" or value == []:
        return
    for v in value if isinstance(value, list | tuple) else [value]:
        if v not in (None, ""):
            proxy.add(prop, str(v), quiet=True)


def _node(key: str, data: dict[str, Any]):
    entity = str(data.get("entity") or "")
    proxy = _proxy(NODE_SCHEMA.get(entity, "LegalEntity"), key)
    if entity == "Address":
        _add(proxy, "full", data.get("name") or data.get("entity_id"))
    else:
        _add(proxy, "name", data.get("name") or data.get("entity_id"))
    _add(proxy, "country", (data.get("country") or "").lower() or None)
    role = data.get("role")
    if role and role not in (entity, "Subject"):
        _add(proxy, "keywords", role)
    _add(proxy, "notes", f"Conveyor {entity or 'entity'} {data.get('entity_id') or key}")
    if data.get("synthetic"):
        _add(proxy, "notes", "SYNTHETIC: fictional data")
    return proxy


def _number(value: Any) -> str | None:
    """60.0 -> '60' (FtM numbers are text; a share reads as published)."""
    try:
        return None if value is None else f"{float(value):g}"
    except (TypeError, ValueError):
        return str(value)


def _evidence(proxy, d: dict[str, Any]) -> None:
    _add(proxy, "recordId", d.get("record_ids"))
    _add(proxy, "publisher", d.get("sources"))
    _add(proxy, "startDate", d.get("start_date"))
    _add(proxy, "endDate", d.get("end_date"))


def _edge(ids: dict[str, str], a: str, b: str, k: Any, d: dict[str, Any], graph: nx.MultiDiGraph):
    rel = str(d.get("relationship") or "")
    ekey = (a, b, rel, k, d.get("record") or d.get("shipment_id") or "")
    if rel == "OWNS":
        proxy = _proxy("Ownership", *ekey)
        _add(proxy, "owner", ids[a])
        _add(proxy, "asset", ids[b])
        _add(proxy, "percentage", _number(d.get("share")))
        share = d.get("label") or ""
        _add(proxy, "summary", share)
        _add(proxy, "ownershipType", d.get("kind"))
        _add(proxy, "status", d.get("status"))
    elif rel in ("DIRECTS", "HEADS"):
        proxy = _proxy("Directorship", *ekey)
        _add(proxy, "director", ids[a])
        _add(proxy, "organization", ids[b])
        _add(proxy, "role", d.get("role") or d.get("position") or ("head" if rel == "HEADS" else None))
    elif rel == "SANCTIONED":
        proxy = _proxy("Sanction", *ekey)
        target = graph.nodes[b]
        _add(proxy, "entity", ids[a])
        _add(proxy, "program", d.get("program") or target.get("name"))
        _add(proxy, "authority", d.get("authority"))
        _add(proxy, "listingDate", d.get("listed"))
        _add(proxy, "authorityId", target.get("entity_id"))
        _add(proxy, "sourceUrl", d.get("source_url"))
    elif rel in ("SHIPPED", "SUPPLIES"):
        proxy = _proxy("EconomicActivity", *ekey)
        _add(proxy, "sender", ids[a])
        _add(proxy, "receiver", ids[b])
        if rel == "SHIPPED":
            _add(proxy, "date", d.get("date"))
            _add(proxy, "vedCode", d.get("hs_code"))
            _add(proxy, "originCountry", (d.get("origin_country") or "").lower() or None)
            _add(proxy, "recordId", d.get("shipment_id"))
            _add(proxy, "customsAmount", d.get("value"))
            text = f"evidence: {d.get('source_file')} row {d.get('source_row')}"
            if d.get("code_switch"):
                text += f"; HS code switched {d.get('code_switch_text') or d['code_switch']}"
            if d.get("route"):
                text += f"; route {d['route']} hop {d.get('hop')}"
            _add(proxy, "description", text)
            _add(proxy, "departureCountry", (graph.nodes[a].get("country") or "").lower() or None)
            _add(proxy, "destinationCountry", (graph.nodes[b].get("country") or "").lower() or None)
        else:
            _add(proxy, "startDate", d.get("first"))
            _add(proxy, "endDate", d.get("last"))
            _add(proxy, "vedCode", d.get("hs_codes"))
            _add(proxy, "summary", f"{d.get('shipments')} shipment(s), all rows of this seller and buyer")
            _add(proxy, "publisher", d.get("sources"))
        return proxy
    elif rel == "ASSOCIATE" and graph.nodes[a].get("entity") == "Person" == graph.nodes[b].get("entity"):
        proxy = _proxy("Associate", *ekey)
        _add(proxy, "person", ids[a])
        _add(proxy, "associate", ids[b])
        _add(proxy, "relationship", d.get("kind"))
    else:
        proxy = _proxy("UnknownLink", *ekey)
        _add(proxy, "subject", ids[a])
        _add(proxy, "object", ids[b])
        role = {"OPERATES": "operates the colony's production",
                "CONSOLIDATED_BY": "consolidated by (accounting consolidation, not ownership)",
                "NOTIFIES": "notify party on the other's shipments"}.get(rel, rel.lower().replace("_", " "))
        _add(proxy, "role", role)
    _evidence(proxy, d)
    return proxy


def ftm_entities(graph: nx.MultiDiGraph) -> list[dict[str, Any]]:
    """Every node and relationship as FtM entity dicts (Sanction nodes become the Sanction intervals
    of their SANCTIONED links; REGISTERED_AT becomes the entity's addressEntity)."""
    proxies: dict[str, Any] = {}
    for key, data in graph.nodes(data=True):
        if data.get("entity") == "Sanction":
            continue
        proxies[key] = _node(key, data)
    ids = {k: p.id for k, p in proxies.items()}
    links = []
    for a, b, k, d in graph.edges(keys=True, data=True):
        if a not in ids:
            continue
        rel = d.get("relationship")
        if rel == "REGISTERED_AT" and b in ids:
            proxies[a].add("addressEntity", ids[b])
            proxies[a].add("address", graph.nodes[b].get("name"), quiet=True)
            continue
        if rel != "SANCTIONED" and b not in ids:
            continue
        links.append(_edge({**ids, b: ids.get(b, "")}, a, b, k, d, graph))
    return [p.to_dict() for p in [*proxies.values(), *links]]


def write_ftm(graph: nx.MultiDiGraph, path: Path) -> Path:
    with atomic_output(path) as fh:
        for entity in ftm_entities(graph):
            fh.write(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
    return path
