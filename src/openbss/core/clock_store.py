"""The clock offset, shared through the database by the server and its workers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import BigInteger, Integer, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from openbss.core import clock
from openbss.core.db import Base


class ClockState(Base):
    __tablename__ = "clock_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offset_us: Mapped[int] = mapped_column(BigInteger)


def save_offset(session: Session) -> None:
    offset = int(clock.clock.offset / timedelta(microseconds=1))
    row = session.get(ClockState, 1)
    if row is None:
        session.add(ClockState(id=1, offset_us=offset))
    elif offset > row.offset_us:
        row.offset_us = offset


def load_offset(session: Session) -> None:
    value = session.execute(select(ClockState.offset_us).where(ClockState.id == 1)).scalar_one_or_none()
    if value is not None:
        clock.clock.set_offset(timedelta(microseconds=value))
