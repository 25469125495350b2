"""Durations of the capacity report: ``7d``, ``12h``, ``90m``, ``1d12h``.

Standard library only. :func:`parse_duration` turns the text of an option
(``[capacity] idle_instance_after``) or a command-line flag into seconds
and names the field in a one-line error when it cannot.
"""

import re

from fleet.common import exception

#: Seconds per unit letter.
UNITS = {'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 7 * 86400}
_PART = re.compile(r'(\d+(?:\.\d+)?)([smhdw])')
_FIX = ('use seconds (3600) or a duration such as 90m, 12h, 7d, 2w, '
        '1d12h')


def parse_duration(text, field):
    """Seconds (a float, 0 or more) of ``text``.

    :param text: ``3600``, ``90m``, ``12h``, ``7d``, ``2w``, ``1d12h`` (a
        number or a number with unit in the format), or a number.
    :param field: what the error names (``idle_instance_after``,
        ``--idle-after``).
    :raises fleet.common.exception.Invalid: empty, negative, not a number
        or an unknown unit.
    """
    if isinstance(text, bool):
        raise exception.Invalid(field, 'not a duration: %r' % (text,), _FIX)
    if isinstance(text, (int, float)):
        seconds = float(text)
    else:
        value = str(text).strip().lower() if text is not None else ''
        if not value:
            raise exception.Invalid(field, 'empty duration', _FIX)
        try:
            seconds = float(value)
        except ValueError:
            parts = _PART.findall(value)
            if not parts or ''.join(n + u for n, u in parts) != value:
                raise exception.Invalid(
                    field, 'not a duration: %.40r' % (str(text),), _FIX)
            seconds = sum(float(n) * UNITS[u] for n, u in parts)
    if seconds != seconds or seconds in (float('inf'), float('-inf')):
        raise exception.Invalid(field, 'not a finite duration: %r'
                                % (text,), _FIX)
    if seconds < 0:
        raise exception.Invalid(field, 'a duration cannot be negative: %r'
                                % (text,), _FIX)
    return seconds


def describe(seconds):
    """``3d4h`` / ``45m`` / ``0s`` for a number of seconds (for details)."""
    seconds = int(seconds)
    out = []
    for unit in ('w', 'd', 'h', 'm'):
        size = UNITS[unit]
        if seconds >= size:
            out.append('%d%s' % (seconds // size, unit))
            seconds %= size
    if seconds or not out:
        out.append('%ds' % seconds)
    return ''.join(out[:2])
