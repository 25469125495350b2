"""What every fleet table shares: the declarative base, the timestamp type
and column mixin, and the table option that keeps ids from being reused.

Its own module so that the models of each area (:mod:`fleet.db.models`,
:mod:`fleet.db.alert_models`) import it without importing each other.
"""

import datetime

import sqlalchemy as sa
from sqlalchemy import orm


class _Timestamp(sa.types.TypeDecorator):
    """DATETIME with microseconds everywhere: MySQL/MariaDB keeps whole
    seconds unless told otherwise (``DATETIME(6)``), and "as of time T"
    and last-seen need better than that.

    A decorator rather than ``with_variant(mysql.DATETIME(fsp=6))``: the
    MySQL dialect is imported only where it is used, not by every command
    on SQLite (about 8 ms of start-up, ``benchmarks/cli_startup.py``).
    """

    impl = sa.DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name in ('mysql', 'mariadb'):
            from sqlalchemy.dialects import mysql

            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(sa.DateTime())


Timestamp = _Timestamp()


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class Base(orm.DeclarativeBase):
    pass


#: Tables whose ids the change log records: on SQLite, AUTOINCREMENT, so a
#: deleted row's id is never reused (a new object would inherit its
#: history). Other backends never reuse ids.
NEVER_REUSE = {'sqlite_autoincrement': True}


class TimestampMixin:
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        Timestamp, default=utcnow, nullable=False)
    updated_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        Timestamp, default=utcnow, onupdate=utcnow, nullable=False)
