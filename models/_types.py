"""Column types shared by the tables."""
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import DateTime, String, TypeDecorator


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC and gives them back aware (SQLite forgets the zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError('naive datetime: Parley stores UTC-aware times only')
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class EnumText(TypeDecorator):
    """A StrEnum kept as its value in a plain text column ('message', 'email'): the column stays what it was and
    raw SQL reads naturally; Python gets the member back, and a value outside the enum is refused on write."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum]) -> None:
        super().__init__()
        self.enum = enum

    def process_bind_param(self, value, dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value, dialect):
        return None if value is None else self.enum(value)
