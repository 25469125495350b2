"""Alertmanager-style label matchers and expiry times (standard library).

A matcher is ``name=value``, ``name!=value``, ``name=~regex`` or
``name!~regex``; a value may be in double quotes. Regular expressions are
anchored at both ends, as Alertmanager anchors them. The alert's name is
matched as the ``alertname`` label.
"""

import datetime
import re

from fleet.common import exception

_MATCHER = re.compile(
    r'^\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?P<op>=~|!~|!=|=)\s*'
    r'(?P<value>.*?)\s*$', re.S)
_DURATION = re.compile(r'^(\d+)([smhdw])$')
_UNITS = {'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}
OPERATORS = ('=', '!=', '=~', '!~')
MAX_VALUE = 1024


class Matcher:
    """One parsed matcher; :meth:`matches` a dict of labels."""

    __slots__ = ('name', 'op', 'value', '_regex')

    def __init__(self, name, op, value):
        self.name, self.op, self.value = name, op, value
        self._regex = None
        if op in ('=~', '!~'):
            try:
                self._regex = re.compile(value, re.S)
            except re.error as exc:
                raise exception.Invalid(
                    'matcher', 'bad regular expression in %s%s%s: %s'
                    % (name, op, value, exc),
                    'give a valid regular expression') from None

    def matches(self, labels):
        got = labels.get(self.name, '')
        if self.op == '=':
            return got == self.value
        if self.op == '!=':
            return got != self.value
        found = self._regex.fullmatch(got) is not None
        return found if self.op == '=~' else not found

    def to_dict(self):
        return {'name': self.name, 'op': self.op, 'value': self.value}

    def __str__(self):
        return '%s%s%s' % (self.name, self.op, self.value)


def parse(text):
    """A :class:`Matcher` from ``name<op>value``.

    :raises fleet.common.exception.Invalid: (field ``matcher``) not of that
        form, or a bad regular expression.
    """
    if not isinstance(text, str) or len(text) > MAX_VALUE:
        raise exception.Invalid(
            'matcher', 'must be text of at most %d characters' % MAX_VALUE)
    m = _MATCHER.match(text)
    if not m:
        raise exception.Invalid(
            'matcher', 'cannot read %.80r' % text,
            'write name=value, name!=value, name=~regex or name!~regex')
    value = m.group('value')
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return Matcher(m.group('name'), m.group('op'), value)


def parse_all(texts):
    """Matchers from a list of texts; at least one, and not all negative.

    A silence whose every matcher is negative (or matches the empty
    value) would silence nearly everything; Alertmanager refuses it too.
    """
    if isinstance(texts, str) or not texts:
        raise exception.Invalid('matcher', 'give at least one matcher',
                                'e.g. alertname=NodeDown')
    parsed = [m if isinstance(m, Matcher) else
              parse(m) if isinstance(m, str) else from_dict(m)
              for m in texts]
    if all(m.matches({}) for m in parsed):
        raise exception.Invalid(
            'matcher', 'these matchers match alerts with no labels at all '
            '(everything)', 'add a matcher such as alertname=NAME')
    return parsed


def from_dict(item):
    """A matcher from ``{"name", "op", "value"}`` (the stored form) or
    Alertmanager's ``{"name", "value", "isRegex", "isEqual"}``."""
    if not isinstance(item, dict):
        raise exception.Invalid('matcher', 'must be text or an object')
    name, value = item.get('name'), item.get('value')
    if 'op' in item:
        op = item['op']
    else:
        regex, equal = bool(item.get('isRegex')), item.get('isEqual', True)
        op = {(False, True): '=', (False, False): '!=',
              (True, True): '=~', (True, False): '!~'}[(regex, bool(equal))]
    if not isinstance(name, str) or not re.match(
            r'^[A-Za-z_][A-Za-z0-9_]*$', name):
        raise exception.Invalid('matcher.name',
                                'must be a label name such as alertname')
    if op not in OPERATORS:
        raise exception.Invalid('matcher.op', 'must be one of %s'
                                % ' '.join(OPERATORS))
    if not isinstance(value, str) or len(value) > MAX_VALUE:
        raise exception.Invalid('matcher.value', 'must be text of at most '
                                '%d characters' % MAX_VALUE)
    return Matcher(name, op, value)


def matches_all(matchers, labels):
    return all(m.matches(labels) for m in matchers)


def parse_duration(text, field='window'):
    """Seconds from ``90s``, ``30m``, ``2h``, ``1d``, ``1w`` or a number."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        seconds = int(text)
    else:
        m = _DURATION.match(str(text).strip())
        if not m:
            raise exception.Invalid(
                field, 'cannot read %.40r as a duration' % (text,),
                'use a number with s, m, h, d or w, e.g. 2h')
        seconds = int(m.group(1)) * _UNITS[m.group(2)]
    if seconds <= 0:
        raise exception.Invalid(field, 'must be longer than 0 seconds')
    return seconds


def parse_expiry(text, now):
    """The UTC expiry (naive) of ``2h`` / ``30m`` ... or an ISO 8601 time.

    :raises fleet.common.exception.Invalid: (field ``expires``) unreadable,
        or not in the future.
    """
    if isinstance(text, datetime.datetime):
        when = text
    else:
        value = str(text or '').strip()
        if _DURATION.match(value):
            return now + datetime.timedelta(
                seconds=parse_duration(value, 'expires'))
        try:
            when = datetime.datetime.fromisoformat(value.replace('Z',
                                                                 '+00:00'))
        except ValueError:
            raise exception.Invalid(
                'expires', 'cannot read %.40r as a duration or a time'
                % value, 'give a duration such as 2h or an ISO 8601 time '
                'such as 2026-12-01T18:00:00Z') from None
    if when.tzinfo is not None:
        when = when.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    if when <= now:
        raise exception.Invalid(
            'expires', '%s is not in the future' % when.isoformat(),
            'give a later time or a duration such as 2h')
    return when
