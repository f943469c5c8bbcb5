"""``openbss oss-simulator``: its help, and a real process serving TMF641 with the options given."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from openbss.cli import app
from openbss.oss.client import ServiceOrderClient


def test_the_command_explains_itself() -> None:
    result = CliRunner().invoke(app, ["oss-simulator", "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})

    assert result.exit_code == 0
    options = ("--host", "--port", "--delay", "--start-delay", "--item-delay", "--cancel-delay", "--failure-rate")
    for option in (*options, "--reject-rate", "--seed", "--secret"):
        assert option in result.output
    assert "TMF641" in result.output
    assert "simulatorOutcome" in result.output


def test_a_bad_option_is_refused() -> None:
    result = CliRunner().invoke(app, ["oss-simulator", "--failure-rate", "2"])
    assert result.exit_code == 2


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_command_serves_a_simulator(tmp_path: Path) -> None:
    port = _free_port()
    command = [
        str(Path(sys.executable).with_name("openbss")),
        "oss-simulator",
        "--port",
        str(port),
        "--delay",
        "0.01",
        "--item-delay",
        "0.02",
        "--seed",
        "3",
        "--failure-rate",
        "1",
    ]
    log = (tmp_path / "simulator.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "COLUMNS": "200"})
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{url}/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "simulator.log").read_text()
            time.sleep(0.1)
        config = httpx.get(f"{url}/simulator/config").json()
        assert (config["delay"], config["itemDelay"], config["seed"], config["failureRate"]) == (0.01, 0.02, 3, 1.0)
        with ServiceOrderClient(f"{url}/tmf-api/serviceOrdering/v4", timeout=5) as client:
            order = client.create({"serviceOrderItem": [{"id": "1", "action": "add", "service": {}}]})
            while client.get(order["id"])["state"] not in ("failed", "completed"):
                assert time.monotonic() < deadline
                time.sleep(0.02)
            assert client.get(order["id"])["state"] == "failed"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
        log.close()
    assert "OSS simulator (TMF641)" in (tmp_path / "simulator.log").read_text()
