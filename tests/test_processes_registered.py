"""Every module that tags a process step is loaded with the domains, so /processes is complete."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import openbss

SRC = Path(openbss.__file__).parent


def _tagging_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages([str(SRC)], prefix="openbss."):
        spec = importlib.util.find_spec(info.name)
        if spec and spec.origin and spec.origin.endswith(".py") and "@process(" in Path(spec.origin).read_text():
            names.append(info.name)
    return names


def test_every_module_with_process_steps_is_imported_by_the_domains() -> None:
    modules = _tagging_modules()
    assert "openbss.ordering.completion" in modules  # the scan itself finds tagged modules
    # a fresh interpreter: what importing the domains alone loads
    code = "import sys, openbss.domains; print('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(result.stdout.split())
    missing = [m for m in modules if m not in loaded]
    assert missing == [], f"modules with @process steps not loaded with the domains: {missing}"
