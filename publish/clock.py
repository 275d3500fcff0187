"""The project's one answer to "what day is it" and "what time is it".

`today()` is the calendar day in Asia/Shanghai, whatever the server's zone; `now()` an aware
instant. A build's clock is fixed by `--as-of`; `serve` may be fixed by PUBLISH_TODAY (and
then warns); PUBLISH_NOW fixes every command but `build` (CONTRACT.md "Time"); tests make
their own. A fixed clock starts at its instant and runs on from there (rate limits and
durations still see time pass); its day stays fixed when it was fixed by day.
"""
from __future__ import annotations

import datetime as dt
import time
import weakref
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from .errors import PublishError
from .settings import NOW_ENV, TODAY_ENV, Environment

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC


@dataclass(frozen=True)
class Clock:
    start: dt.datetime | None = None   # None: the system clock
    day: dt.date | None = None         # fixed calendar day, whatever the instant
    source: str = "system"             # what fixed it, for the warning `serve` prints
    _origin: float = field(default_factory=time.monotonic, compare=False, repr=False)

    @classmethod
    def system(cls) -> Clock:
        return cls()

    @classmethod
    def at(cls, instant: dt.datetime, source: str = "test") -> Clock:
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=SHANGHAI)
        return cls(start=instant.astimezone(UTC), source=source)

    @classmethod
    def on(cls, day: dt.date, source: str = "test") -> Clock:
        """Fixed to `day` (noon in Beijing time for `now()`)."""
        noon = dt.datetime.combine(day, dt.time(12), SHANGHAI).astimezone(UTC)
        return cls(start=noon, day=day, source=source)

    @property
    def fixed(self) -> bool:
        return self.start is not None

    def now(self) -> dt.datetime:
        if self.start is None:
            return dt.datetime.now(UTC)
        return self.start + dt.timedelta(seconds=time.monotonic() - self._origin)

    def today(self) -> dt.date:
        if self.day is not None:
            return self.day
        return self.now().astimezone(SHANGHAI).date()

    def today_iso(self) -> str:
        return self.today().isoformat()


def parse_day(text: str) -> dt.date:
    """YYYY-MM-DD, with a Chinese message that tells a bad format from a day that does not exist."""
    import re

    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text.strip())
    if not match:
        raise PublishError("invalid_date", f"日期格式应为 YYYY-MM-DD（如 2026-03-05）：{text}")
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError as exc:
        raise PublishError("invalid_date", f"日期不存在：{text}") from exc


def parse_instant(text: str) -> dt.datetime:
    try:
        instant = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise PublishError(
            "invalid_instant", f"{NOW_ENV} 应为 ISO 8601 时刻（如 2026-11-25T10:00:00+08:00）：{text}") from exc
    return Clock.at(instant).start  # type: ignore[return-value]


def command_clock(environment: Environment, *, allow_today: bool = False) -> Clock:
    """The clock of a command other than `build`: PUBLISH_NOW, else (serve only) PUBLISH_TODAY,
    else the system clock."""
    if environment.now:
        return Clock(start=parse_instant(environment.now), source=NOW_ENV)
    if allow_today and environment.today:
        return Clock.on(parse_day(environment.today), source=TODAY_ENV)
    return Clock.system()


def build_clock(as_of: dt.date | None) -> Clock:
    """A build's clock: `--as-of`, else today in Beijing time; the variables are ignored."""
    if as_of is None:
        return Clock.on(Clock.system().today(), source="system")
    return Clock.on(as_of, source="--as-of")


_ATTACHED: weakref.WeakKeyDictionary[object, Clock] = weakref.WeakKeyDictionary()


def attach(owner: object, clock: Clock) -> None:
    """Gives an object (the Datasette instance) its clock, for the plugins to read."""
    _ATTACHED[owner] = clock


def clock_of(owner: object) -> Clock:
    return _ATTACHED.get(owner) or Clock.system()
