"""`openbss bench checkpoints` measures both modes and leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from openbss.bench.checkpoints import measure, run_checkpoint_benchmark


def test_both_modes_write_every_transaction(tmp_path: Path) -> None:
    for background in (False, True):
        figures = measure(tmp_path / "c.db", 200, background=background)
        assert figures.transactions == len(figures.latencies) == 200
        assert figures.percentile(0.5) <= figures.percentile(0.99) <= max(figures.latencies)
        assert figures.mode == ("a thread" if background else "commits")


def test_the_command_prints_a_row_per_mode_and_round(tmp_path: Path) -> None:
    console = Console(record=True, width=120)
    assert run_checkpoint_benchmark(console, directory=str(tmp_path), transactions=100, rounds=1) == 0
    text = console.export_text()
    assert "commits" in text and "a thread" in text
    assert list(tmp_path.iterdir()) == []  # the scratch database is removed
