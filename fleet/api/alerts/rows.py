"""The reads of one intake post (stored alerts: what tells a receipt that
only counts, then the full rows of the others; silences, change counter,
new ids) and the UPDATE of its repeated receipts.

Each is one statement per post (in batches of ``[database] batch_size``
for the fingerprints). On SQLite they go straight to the driver's
connection inside the session's transaction: for a 100-alert post
SQLAlchemy's statement execution and row processing cost more than the
statements themselves. Elsewhere they are SQLAlchemy Core statements.
"""

import datetime
import json

import sqlalchemy as sa

from fleet.api.alerts import matchers as matchers_mod
from fleet.db import alert_models
from fleet.db import bulk
from fleet.db import models

#: Columns an intake reads and writes (besides id and fingerprint).
COLUMNS = ('name', 'source', 'status', 'severity', 'labels', 'annotations',
           'generator_url', 'device_id', 'device_unknown', 'project_id',
           'occurrences', 'received', 'window_start', 'window_count',
           'returns', 'flap_start', 'flap_count', 'held', 'flapping',
           'silence_id', 'acknowledged_by', 'acknowledged_at', 'first_seen',
           'last_seen', 'starts_at', 'ends_at')
KEYS = ('id', 'fingerprint') + COLUMNS
_TIMES = tuple(i for i, k in enumerate(KEYS)
               if alert_models.Alert.__table__.c[k].type._type_affinity
               is sa.DateTime)
_BOOLS = tuple(KEYS.index(k) for k in ('held', 'flapping', 'device_unknown'))
#: What :func:`stored` reads: enough to tell a receipt that only counts
#: (:func:`fleet.api.alerts.intake._only_counted`), half the columns.
QUICK = ('id', 'fingerprint', 'status', 'severity', 'annotations',
         'generator_url', 'device_id', 'device_unknown', 'window_count',
         'held', 'silence_id', 'starts_at', 'ends_at')
#: Positions in a :func:`stored` tuple.
(ID, _FINGERPRINT, STATUS, SEVERITY, ANNOTATIONS, GENERATOR_URL, DEVICE_ID,
 DEVICE_UNKNOWN, WINDOW_COUNT, HELD, SILENCE_ID, STARTS_AT, ENDS_AT) = range(
    len(QUICK))
_parse = datetime.datetime.fromisoformat
_SQLITE_STORED = 'SELECT %s FROM alerts WHERE fingerprint IN (%s)'
_SQLITE_SILENCES = ('SELECT id, matchers FROM silences WHERE expires_at > ? '
                    'ORDER BY id')
_SQLITE_IDS = 'SELECT fingerprint, id FROM alerts WHERE fingerprint IN (%s)'
_SQLITE_COUNT = ('UPDATE alerts SET received = received + ?, last_seen = ? '
                 'WHERE id IN (%s)')
_SQLITE_COUNTER = 'SELECT max(id) FROM changes'


def driver(conn):
    """The sqlite3 connection under ``conn`` (a Connection in its
    transaction), or None on another database."""
    if conn.dialect.name != 'sqlite':
        return None
    return conn.connection.dbapi_connection


def stored(conn, fingerprints, batch_size, keys=QUICK):
    """``{fingerprint: values}`` of the stored alerts among
    ``fingerprints`` (a sorted list): each a tuple of ``keys`` as the
    driver gives it (on SQLite times are ISO text, booleans 0/1). Most
    receipts of a post only count (:mod:`.intake`): they are told by
    these; :func:`full` reads the rows of the others."""
    found = {}
    raw = driver(conn)
    for part in bulk.batches(fingerprints, batch_size):
        if raw is None:
            a = alert_models.Alert.__table__
            rows = conn.execute(sa.select(*[a.c[k] for k in keys]).where(
                a.c.fingerprint.in_(part)))
        else:
            rows = raw.execute(_SQLITE_STORED % (
                ', '.join(keys), ', '.join('?' * len(part))),
                part).fetchall()
        for values in rows:
            found[values[1]] = values
    return found


def full(conn, fingerprints, batch_size):
    """``{fingerprint: row dict}`` (:data:`KEYS`; times as datetimes,
    booleans as bool) of the stored alerts among ``fingerprints``."""
    found = {}
    for fp, values in stored(conn, fingerprints, batch_size, KEYS).items():
        values = list(values)
        for i in _TIMES:
            if type(values[i]) is str:
                values[i] = _parse(values[i])
        for i in _BOOLS:
            values[i] = bool(values[i])
        found[fp] = dict(zip(KEYS, values))
    return found


def time_at(values, index):
    """The time at ``index`` of a :func:`stored` tuple (or None)."""
    value = values[index]
    return _parse(value) if type(value) is str else value


def ids(conn, fingerprints, batch_size):
    """``[(fingerprint, id)]`` of the stored alerts among
    ``fingerprints``."""
    raw = driver(conn)
    a = alert_models.Alert.__table__
    out = []
    for part in bulk.batches(fingerprints, batch_size):
        if raw is None:
            out += conn.execute(sa.select(a.c.fingerprint, a.c.id).where(
                a.c.fingerprint.in_(part))).all()
        else:
            out += raw.execute(_SQLITE_IDS % ', '.join('?' * len(part)),
                               part).fetchall()
    return out


def count_receipts(conn, counted, now, batch_size):
    """Add to ``received`` and set ``last_seen = now`` of stored alerts:
    ``counted`` is ``{receipts: [alert id]}``; one UPDATE per distinct
    number of receipts (per batch)."""
    raw = driver(conn)
    a = alert_models.Alert.__table__
    for receipts, ids in sorted(counted.items()):
        for part in bulk.batches(sorted(ids), batch_size):
            if raw is None:
                conn.execute(a.update().where(a.c.id.in_(part)).values(
                    received=a.c.received + receipts, last_seen=now))
            else:
                raw.execute(_SQLITE_COUNT % ', '.join('?' * len(part)),
                            [receipts, _sqlite_time(conn, now)] + part)


class Silences:
    """The unexpired silences, their matchers parsed once per process."""

    LIMIT = 10000

    def __init__(self):
        self._parsed = {}

    def active(self, conn, now):
        """``[(silence id, [Matcher])]`` of the silences unexpired at
        ``now``, oldest first."""
        raw = driver(conn)
        if raw is None:
            s = alert_models.Silence.__table__
            rows = conn.execute(sa.select(s.c.id, s.c.matchers).where(
                s.c.expires_at > now).order_by(s.c.id)).all()
        else:
            rows = raw.execute(_SQLITE_SILENCES,
                               (_sqlite_time(conn, now),)).fetchall()
        parsed = self._parsed
        if len(parsed) > self.LIMIT:
            parsed.clear()
        out = []
        for id_, text in rows:
            key = (id_, text)
            ms = parsed.get(key)
            if ms is None:
                ms = parsed[key] = [matchers_mod.from_dict(m)
                                    for m in json.loads(text)]
            out.append((id_, ms))
        return out


def change_counter(conn):
    """The newest change-log id: every write of a device or a variable
    adds a change row, so the inventory is unchanged while it stays."""
    raw = driver(conn)
    if raw is None:
        c = models.Change.__table__
        return conn.execute(sa.select(sa.func.max(c.c.id))).scalar()
    return raw.execute(_SQLITE_COUNTER).fetchone()[0]


def _sqlite_time(conn, value):
    process = alert_models.Silence.__table__.c.expires_at.type. \
        _cached_bind_processor(conn.dialect)
    return process(value) if process else value
