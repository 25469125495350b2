"""Output formatting of the fleet commands (cliff columns and rows).

Standard library and cliff only: every command module imports it.
"""

import datetime
import json

from cliff import columns


# osc-lib's format columns (osc_lib.cli.format_columns.ListColumn ...) would
# do for lists, but importing them imports osc_lib.utils and with it
# openstacksdk, about 0.45 s of every standalone command. ListColumn below
# is a cliff column that prints the same (tests/unit/cli/test_columns.py
# compares them). JSON values (variables, change log values) are printed as
# JSON text in tables (JsonColumn), which keeps their types readable, rather
# than osc-lib's key='value' form.
class JsonColumn(columns.FormattableColumn):
    """A JSON value: JSON text in tables, the value itself in -f json/yaml."""

    def human_readable(self):
        if self._value is None:
            return ''
        return json.dumps(self._value, sort_keys=True)


class ValueColumn(JsonColumn):
    """A variable value: like JsonColumn, but a masked secret stays bare."""

    def __init__(self, value, secret=False):
        super().__init__(value)
        self._secret = secret

    def human_readable(self):
        if self._secret:
            return '' if self._value is None else str(self._value)
        return super().human_readable()


class ListColumn(columns.FormattableColumn):
    """A list: sorted and comma separated in tables, a list in -f json/yaml.

    As osc-lib's ``ListColumn``.
    """

    def human_readable(self):
        return ', '.join(sorted(str(x) for x in self._value or ()))

    def machine_readable(self):
        return list(self._value or ())


def plain(value):
    """A value any formatter can print.

    Times are ISO 8601 with microseconds and their zone (stored times are
    UTC), exactly as ``--at`` / ``--since`` / ``--until`` take them back.
    """
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return value.isoformat(timespec='microseconds')
    return value


def show_output(obj, fields, formatters=None):
    """``(columns, values)`` for a ShowOne from a dict.

    :param fields: the keys to show, in order; missing keys show empty.
    :param formatters: ``{key: FormattableColumn class}``.
    """
    formatters = formatters or {}
    values = []
    for key in fields:
        value = obj.get(key)
        values.append(formatters[key](value) if key in formatters
                      else plain(value))
    return tuple(fields), tuple(values)


def list_output(rows, fields, formatters=None):
    """``(headings, rows)`` for a Lister from dicts.

    :param fields: ``[(key, heading)]`` (:func:`list_columns`).
    :param formatters: ``{key: FormattableColumn class}``.
    """
    formatters = formatters or {}
    headings = tuple(h for _k, h in fields)
    data = []
    for row in rows:
        data.append(tuple(
            formatters[k](row.get(k)) if k in formatters else plain(row.get(k))
            for k, _h in fields))
    return headings, data
