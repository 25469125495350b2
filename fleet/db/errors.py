"""Database errors translated into one clear, value-free line.

A driver's error text and SQLAlchemy's rendering of it hold the statement's
bound values (``[parameters: ...]``, PostgreSQL's ``DETAIL: Key (...)=(...)``,
MariaDB's ``Duplicate entry '...'``): a secret among them would reach the
console and the log. Nothing here ever copies that text. What the error is
about is read from fixed parts only (the table of the statement, a known
constraint or column name) and said in our own words:

- IntegrityError: :class:`~fleet.common.exception.Conflict` naming what
  conflicted (a concurrent writer, as a rule: validation runs first);
- DataError: :class:`~fleet.common.exception.Invalid` naming the field;
- OperationalError: :class:`~fleet.common.exception.DatabaseUnavailable`
  naming the URL without its password when the database cannot be reached
  or opened, a ``Conflict`` for a deadlock or a lock timeout;
- anything else: a :class:`~fleet.common.exception.FleetError` naming the
  error class and the table.

:func:`translating` applies it to a block; :class:`fleet.api.store.Fleet`
uses it around every transaction and read.
"""

import contextlib
import logging
import re

from fleet.common import exception

LOG = logging.getLogger(__name__)

#: What a row of each table is called in messages.
NOUNS = {'clouds': 'cloud', 'regions': 'region', 'cells': 'cell',
         'racks': 'rack', 'devices': 'device', 'labels': 'label',
         'variables': 'variable', 'changes': 'change-log row'}
#: Unique constraints and what a clash on them means: (field, text).
UNIQUE = {
    'uq_variables_scope_key': ('vars', 'a variable of that name at that '
                                       'level'),
    'uq_regions_cloud_name': ('region', 'a region of that name in that '
                                        'cloud'),
    'uq_cells_region_name': ('cell', 'a cell of that name in that region'),
    'uq_racks_region_name': ('rack', 'a rack of that name in that region'),
}
_TABLE_RE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+'
                       r'[`"]?(\w+)', re.I)
_SQLITE_UNIQUE_RE = re.compile(r'UNIQUE constraint failed: (\w+)\.(\w+)')
_MYSQL_KEY_RE = re.compile(r"for key '(?:\w+\.)?(\w+)'")
_COLUMN_RE = re.compile(r"column '(\w+)'")
_BUSY = ('deadlock', 'lock wait timeout', 'database is locked',
         'could not serialize', 'could not obtain lock',
         'due to lock timeout')  # PostgreSQL's lock_timeout
#: Fixed phrases for why a database cannot be reached: (pattern, phrase).
_REASONS = (
    ('connection refused', 'connection refused'),
    ("can't connect", 'cannot connect'),
    ('timed out', 'timed out'),
    ('timeout', 'timed out'),
    ('authentication failed', 'authentication failed'),
    ('access denied', 'authentication failed'),
    ('unknown database', 'no such database'),
    ('does not exist', 'no such database'),
    ('could not translate host name', 'unknown host'),
    ('name or service not known', 'unknown host'),
    ('unable to open database file', 'cannot open the database file'),
    ('server closed the connection', 'the server closed the connection'),
    ('lost connection', 'the server closed the connection'),
    ('gone away', 'the server closed the connection'),
)


def catchable(engine=None):
    """The exception classes to translate: SQLAlchemy's and the driver's.

    Raw DB-API cursors (the export's fast path) raise the driver's own
    classes, which SQLAlchemy does not wrap.
    """
    from sqlalchemy import exc as sa_exc

    classes = [sa_exc.DBAPIError]
    dbapi = getattr(getattr(engine, 'dialect', None), 'dbapi', None)
    if dbapi is not None and getattr(dbapi, 'Error', None):
        classes.append(dbapi.Error)
    return tuple(classes)


def safe_url(url):
    """The database URL as text, its password hidden."""
    try:
        return url.render_as_string(hide_password=True)
    except AttributeError:
        from sqlalchemy.engine import make_url
        try:
            return make_url(str(url)).render_as_string(hide_password=True)
        except Exception:  # noqa: BLE001 - never show what we cannot parse
            return '<database URL>'


def _kind(exc):
    """DB-API class name: IntegrityError, DataError, OperationalError..."""
    orig = getattr(exc, 'orig', None) or exc
    for cls in type(orig).__mro__:
        if cls.__name__ in ('IntegrityError', 'DataError',
                            'OperationalError'):
            return cls.__name__
    return type(orig).__name__


def _driver_text(exc):
    """The driver's message, for pattern matching only: never shown."""
    orig = getattr(exc, 'orig', None) or exc
    return str(orig).lower()


def _table(exc):
    statement = getattr(exc, 'statement', None) or ''
    match = _TABLE_RE.match(statement)
    if match and match.group(1) in NOUNS:
        return match.group(1)
    return None


def _diag(exc, name):
    diag = getattr(getattr(exc, 'orig', None), 'diag', None)
    return getattr(diag, name, None) if diag is not None else None


def _conflict(exc):
    text = _driver_text(exc)
    table = _table(exc)
    constraint = _diag(exc, 'constraint_name')
    column = None
    match = _SQLITE_UNIQUE_RE.search(str(getattr(exc, 'orig', exc)))
    if match:
        table, column = match.group(1), match.group(2)
        if table == 'variables':
            constraint = 'uq_variables_scope_key'
    if constraint is None:
        match = _MYSQL_KEY_RE.search(str(getattr(exc, 'orig', exc)))
        if match:
            constraint = match.group(1)
    noun = NOUNS.get(table, 'record')
    if constraint in UNIQUE:
        field, what = UNIQUE[constraint]
    elif 'foreign key' in text:
        field = None
        what = ('a %s that refers to something deleted meanwhile, or that '
                'something still refers to' % noun)
    else:
        # Unnamed unique constraints: devices_name_key, name, uuid ...
        if column is None and constraint:
            column = constraint.rsplit('_', 2)[-2] if constraint.endswith(
                '_key') else constraint
        if column in ('name', 'uuid'):
            field = column
            what = 'a %s with that %s' % (noun, column)
        else:
            field = None
            what = 'a %s that clashes with an existing one' % noun
    return exception.Conflict(
        'Database conflict: %s already exists or changed while this ran '
        '(another writer at the same time?); nothing was written, check '
        'and run the command again.' % what, field=field)


def _invalid(exc):
    table = _table(exc)
    column = _diag(exc, 'column_name')
    if column is None:
        match = _COLUMN_RE.search(str(getattr(exc, 'orig', exc)))
        column = match.group(1) if match else None
    if column is not None and not _known_column(table, column):
        column = None
    if column is None:
        column = _too_long(exc, table)
    if table == 'variables' and column in (None, 'value'):
        field = 'vars'
    else:
        field = column or NOUNS.get(table, 'value')
    return exception.Invalid(
        field, 'a value is too long or not valid for the database%s' % (
            ' (%s)' % NOUNS[table] if table in NOUNS else ''),
        'shorten or correct it; nothing was written')


def _too_long(exc, table):
    """The column whose bound value exceeds its declared length, or None.

    PostgreSQL does not name it; the lengths (never the values) of the
    statement's parameters do.
    """
    from fleet.db import models

    columns = {t.name: t.c for t in models.Base.metadata.sorted_tables}.get(
        table)
    params = getattr(exc, 'params', None)
    if columns is None or not params:
        return None
    for row in params if isinstance(params, (list, tuple)) else [params]:
        if not isinstance(row, dict):
            continue
        for name, value in row.items():
            col = columns.get(name)
            length = getattr(getattr(col, 'type', None), 'length', None)
            if length and isinstance(value, str) and len(value) > length:
                return name
    return None


def _known_column(table, column):
    from fleet.db import models

    for t in models.Base.metadata.sorted_tables:
        if (table is None or t.name == table) and column in t.c:
            return True
    return False


def _operational(exc, url):
    text = _driver_text(exc)
    if any(word in text for word in _BUSY):
        return exception.Conflict(
            'Database busy: another writer held the same rows (deadlock or '
            'lock timeout); nothing was written, run the command again.')
    for pattern, phrase in _REASONS:
        if pattern in text:
            return exception.DatabaseUnavailable(url=safe_url(url),
                                                 reason=phrase)
    return _other(exc, 'OperationalError')


def _other(exc, kind):
    table = _table(exc)
    return exception.FleetError(
        'Database error (%s)%s; nothing was written, see the database '
        'server\'s log.' % (kind, ' on table %s' % table if table else ''))


def translate(exc, url=None):
    """A :class:`FleetError` for a database exception; no value copied.

    The original exception is scrubbed of its statement and parameters too,
    so that a traceback printed later (``--debug``) cannot show them.
    """
    kind = _kind(exc)
    if kind == 'IntegrityError':
        err = _conflict(exc)
    elif kind == 'DataError':
        err = _invalid(exc)
    elif kind == 'OperationalError':
        err = _operational(exc, url)
    else:
        err = _other(exc, kind)
    LOG.debug('database %s translated: %s', kind, err)
    scrub(exc)
    return err


def scrub(exc):
    """Drop the statement's values from a database exception."""
    for attr in ('params', 'statement'):
        if hasattr(exc, attr):
            try:
                setattr(exc, attr, None)
            except AttributeError:
                pass
    orig = getattr(exc, 'orig', None)
    for target in (exc, orig):
        if target is not None:
            try:
                target.args = ('(database error text withheld)',)
            except (AttributeError, TypeError):
                pass


@contextlib.contextmanager
def translating(url, engine=None, classes=None):
    """Translate database errors raised in the block (see module doc)."""
    classes = classes or catchable(engine)
    try:
        yield
    except classes as exc:
        raise translate(exc, url) from None
