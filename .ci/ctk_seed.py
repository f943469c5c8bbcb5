#!/usr/bin/env python3
"""Load example data a conformance kit needs before it runs.

Some kits only read (TMF637 lists products and expects some to exist; in
openbss products come from completed orders). For each kit named on the
command line, ``ctk-seed/<KIT>.json`` - a list of ``{"path", "body"}`` - is
POSTed to the server with the given bearer token. Kits without a seed file
are skipped.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path

SEEDS = Path(__file__).resolve().parent / "ctk-seed"


def main(server: str, token: str, kits: list[str]) -> int:
    for kit in kits:
        seed = SEEDS / f"{kit.upper()}.json"
        if not seed.exists():
            continue
        for entry in json.loads(seed.read_text()):
            request = urllib.request.Request(
                server.rstrip("/") + entry["path"],
                data=json.dumps(entry["body"]).encode(),
                method="POST",
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            )
            with urllib.request.urlopen(request, timeout=30) as response:  # raises on a 4xx/5xx answer
                if response.status != 201:
                    print(f"ctk_seed: {entry['path']} answered {response.status}", file=sys.stderr)
                    return 1
        print(f"ctk_seed: {kit}: seeded {seed.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
