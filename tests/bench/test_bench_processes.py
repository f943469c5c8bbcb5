"""The benchmark's background processes (bench.servers.background_processes): `openbss worker`
processes beside the server in `bench orders --job-workers N`."""

from __future__ import annotations

import os
import sys

import pytest

from openbss.bench.servers import CpuMeter, Server, background_processes, tree_cpu

SLEEPER = [sys.executable, "-c", "import time\nwhile True: time.sleep(0.05)"]
SPINNER = [
    sys.executable,
    "-c",
    "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\nwhile True: time.sleep(0.05)",
]


def test_the_processes_run_during_the_block_and_are_stopped_after() -> None:
    with background_processes("sleeper", SLEEPER, dict(os.environ), 2) as processes:
        assert len(processes) == 2
        assert all(p.poll() is None for p in processes)
    assert all(p.returncode is not None for p in processes)


def test_a_process_that_died_early_fails_the_block_with_its_output() -> None:
    dying = [sys.executable, "-c", "print('cannot open the database'); raise SystemExit(3)"]
    with (
        pytest.raises(RuntimeError, match="cannot open the database"),
        background_processes("worker", dying, dict(os.environ), 1) as processes,
    ):
        processes[0].wait(timeout=30)


def test_the_meter_counts_the_extra_processes_with_the_server() -> None:
    with (
        background_processes("server", SLEEPER, dict(os.environ), 1) as server_process,
        background_processes("spinner", SPINNER, dict(os.environ), 1) as spinner,
    ):
        server = Server("server", 0, server_process[0], sys.stdout.buffer)  # type: ignore[arg-type]
        alone = CpuMeter(server)
        counted = CpuMeter(server, also=[spinner[0].pid])
        alone.start()
        counted.start()
        while tree_cpu(spinner[0].pid) < 0.3 and spinner[0].poll() is None:
            pass
        alone.stop()
        counted.stop()
    assert counted.server_share > alone.server_share + 0.05
