"""Resource ids: RFC 9562 version-7 UUIDs, ordered by the Clock's time."""

from __future__ import annotations

import uuid
from datetime import timedelta

from openbss.core import clock
from openbss.core.ids import new_id


def test_ids_are_version_7_uuids_carrying_the_clocks_milliseconds() -> None:
    before = int(clock.now().timestamp() * 1000)
    value = new_id()
    after = int(clock.now().timestamp() * 1000)
    parsed = uuid.UUID(value)
    assert str(parsed) == value  # canonical lower-case text
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122
    assert before <= parsed.int >> 80 <= after


def test_ids_sort_by_creation_time_and_do_not_repeat() -> None:
    early = [new_id() for _ in range(1000)]
    clock.clock.advance(timedelta(milliseconds=5))
    late = [new_id() for _ in range(1000)]
    assert max(early) < min(late)
    assert len(set(early + late)) == 2000
    # the 74 random bits differ from id to id, also within one millisecond
    assert len({uuid.UUID(i).int & ((1 << 62) - 1) for i in early}) == 1000
