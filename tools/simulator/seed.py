"""The chargers of a seed file (`deploy/local/chargers.json` format) as simulator specs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SUPPORTED_VERSIONS = ("1.6", "2.0.1")


@dataclass(frozen=True)
class ChargerSpec:
    """What the simulator needs to know about one charger of the seed file."""

    id: str
    password: str
    ocpp_version: str
    vendor: str
    model: str
    serial_number: str
    connectors: int
    firmware_version: str = "sim-1.0.0"
    # The site it stands at (the seed file's location.site_name); scenarios select by it.
    site: str = ""

    @property
    def subprotocol(self) -> str:
        return f"ocpp{self.ocpp_version}"

    def seed_entry(self) -> dict[str, Any]:
        """This charger as an entry of a seed file connectivity provisions from."""
        entry: dict[str, Any] = {
            "id": self.id,
            "password": self.password,
            "ocpp_version": self.ocpp_version,
            "vendor": self.vendor,
            "model": self.model,
            "serial_number": self.serial_number,
            "connectors": self.connectors,
        }
        if self.site:
            entry["location"] = {"site_name": self.site}
        return entry


def parse_seed(document: dict[str, Any]) -> list[ChargerSpec]:
    specs: list[ChargerSpec] = []
    for entry in document.get("charge_points", []):
        version = str(entry.get("ocpp_version", "1.6"))
        if version not in SUPPORTED_VERSIONS:
            raise ValueError(f"charger {entry.get('id')!r}: unsupported ocpp_version {version!r}")
        specs.append(
            ChargerSpec(
                id=str(entry["id"]),
                password=str(entry["password"]),
                ocpp_version=version,
                vendor=str(entry.get("vendor", "Ladda")),
                model=str(entry.get("model", "SimCharger")),
                serial_number=str(entry.get("serial_number", entry["id"])),
                connectors=max(1, int(entry.get("connectors", 1))),
                firmware_version=str(entry.get("firmware_version", "sim-1.0.0")),
                site=str((entry.get("location") or {}).get("site_name", "")),
            )
        )
    return specs


def load_seed(path: str | Path) -> list[ChargerSpec]:
    return parse_seed(json.loads(Path(path).read_text()))
