"""Times people read: always in Beijing time, and saying so."""
from __future__ import annotations

import datetime as dt

from .clock import SHANGHAI


def beijing_display(instant: str | dt.datetime | None) -> str:
    """`2026-11-25 18:30（北京时间）` for an ISO instant (UTC or with an offset); '' for none."""
    if not instant:
        return ""
    if isinstance(instant, str):
        text = instant
        try:
            instant = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.UTC)
    return instant.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") + "（北京时间）"
