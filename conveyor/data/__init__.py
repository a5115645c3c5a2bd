"""Data shipped with Conveyor: the HS nomenclature, cited reference colonies, the synthetic demo."""

from pathlib import Path

DATA_DIR = Path(__file__).parent
HS_FILE = DATA_DIR / "hs" / "harmonized-system.csv"
REFERENCE_COLONIES = DATA_DIR / "reference" / "colonies.csv"
DEMO_COLONIES = DATA_DIR / "demo" / "colonies-synthetic.csv"
DEMO_SHIPMENTS = DATA_DIR / "demo" / "shipments-synthetic.csv"
