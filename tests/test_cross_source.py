"""One company from two registries, in two scripts: loaded through the CLI, resolved into one entity
that keeps both provenances, and queryable on the merged view. Companies are fictional."""

from __future__ import annotations

import json
from pathlib import Path

from conveyor.graph.store import open_store

LEI = "894500CONVEYORTRAD06"  # a valid ISO 17442 check sum, fictional entity

GLEIF_HEADER = ("LEI,Entity.LegalName,Entity.LegalAddress.FirstAddressLine,Entity.LegalAddress.City,"
                "Entity.LegalAddress.Country,Entity.LegalJurisdiction,Entity.EntityStatus,"
                "Registration.RegistrationStatus")


def test_same_company_from_ftm_and_gleif_resolves_to_one_with_both_provenances(run_cli, tmp_path: Path):
    ftm = tmp_path / "sanctions.ftm.json"
    ftm.write_text(json.dumps({
        "id": "ftm-trade-1", "schema": "Company",
        "properties": {"name": ["ООО «Конвейер Трейд» (fictional)"], "country": ["by"], "leiCode": [LEI]},
    }, ensure_ascii=False) + "\n" + json.dumps({
        "id": "ftm-sanction-1", "schema": "Sanction",
        "properties": {"entity": ["ftm-trade-1"], "authority": ["Fictional Authority"],
                       "program": ["FICTIONAL-PROGRAM"], "startDate": ["2022-06-03"]},
    }) + "\n", encoding="utf-8")
    gleif = tmp_path / "lei.csv"
    gleif.write_text(f"{GLEIF_HEADER}\n{LEI},Konveyer Trade LLC (fictional),Pritytskogo 1,Minsk,BY,BY,ACTIVE,ISSUED\n",
                     encoding="utf-8")

    for fmt, path in (("ftm", ftm), ("gleif", gleif)):
        report = json.loads(run_cli("load", "registry", "--format", fmt, str(path), "--json").stdout)
        assert report["read"] == report["loaded"] + report["rejected"] and report["rejected"] == 0
    before = run_cli("db", "stats", "--json").stdout
    run_cli("resolve", "--judgements", str(tmp_path / "judgements.csv"))

    with open_store(str(run_cli.db)) as store:
        rows = store.run(
            "MATCH (c:Company) WHERE c.lei = $lei "
            "RETURN c.id AS id, c.sources AS sources, coalesce(c.merged_into, c.id) AS entity", {"lei": LEI})
        sanctioned = store.run(
            "MATCH (c:Company)-[:SANCTIONED]->(:Sanction) WITH coalesce(c.merged_into, c.id) AS entity "
            "MATCH (m:Company) WHERE coalesce(m.merged_into, m.id) = entity RETURN m.sources AS sources")
    assert len(rows) == 2 and len({r["entity"] for r in rows}) == 1, rows
    assert {s for r in rows for s in r["sources"]} == {"ftm:sanctions.ftm", "gleif:lei"}
    assert {s for r in sanctioned for s in r["sources"]} == {"ftm:sanctions.ftm", "gleif:lei"}

    # Reloading both sources changes nothing.
    for fmt, path in (("ftm", ftm), ("gleif", gleif)):
        run_cli("load", "registry", "--format", fmt, str(path))
    stats_after = json.loads(run_cli("db", "stats", "--json").stdout)
    assert stats_after["nodes"] == json.loads(before)["nodes"]


def test_routes_follow_the_merged_view(run_cli, tmp_path: Path):
    """A dealer spelled in Cyrillic in one declaration and in Latin in the next breaks the chain until
    resolution (here an accepted judgement) merges the two spellings."""
    colonies = tmp_path / "colonies.csv"
    colonies.write_text(
        "colony_id,name,country,operator_enterprise,operator_id,hs_codes,source_url,synthetic\n"
        "SYN-C1,Synthetic Colony (fictional),BY,Synthetic Works (fictional),syn:works,9403,synthetic://test,true\n",
        encoding="utf-8")
    shipments = tmp_path / "shipments.csv"
    shipments.write_text(
        "shipment_id,date,exporter_name,exporter_country,exporter_id,importer_name,importer_country,importer_id,"
        "hs_code,value,origin_country,synthetic\n"
        "T1,2024-01-10,Synthetic Works (fictional),BY,syn:works,ООО «Берёзовый Путь» (fictional),BY,,"
        "940360,100,BY,true\n"
        "T2,2024-02-10,Beryozovy Put LLC (fictional),BY,,Steppe Buyer LLP (fictional),KZ,,940390,120,KZ,true\n",
        encoding="utf-8")
    run_cli("load", "colonies", str(colonies))
    run_cli("load", "trade", str(shipments))
    before = json.loads(run_cli("routes", "--format", "json", "--min-score", "0").output)
    assert before == []  # the chain is broken at the two spellings

    with open_store(str(run_cli.db)) as store:
        ids = [r["id"] for r in store.run("MATCH (c:Company) WHERE c.country = 'BY' AND NOT c.id = 'syn:works' "
                                          "RETURN c.id AS id ORDER BY id")]
    assert len(ids) == 2
    judgements = tmp_path / "judgements.csv"
    run_cli("resolve", "--judgements", str(judgements), "--judge", ids[0], ids[1], "accept", "--note", "same dealer")
    run_cli("resolve", "--judgements", str(judgements))
    after = json.loads(run_cli("routes", "--format", "json", "--min-score", "0").output)
    assert len(after) == 1
    hops = after[0]["hops"]
    assert [h["shipment_id"] for h in hops] == ["T1", "T2"] and hops[-1]["buyer_country"] == "KZ"
