"""Alert posts read into :class:`Incoming` records (no database).

Two forms reach the intake: Alertmanager's webhook payload (version 4)
and fleet's generic form (see ``doc/source/user/alerts.rst``). A problem
with the post as a whole (not an object, no ``alerts`` list, a wrong
version) raises :class:`fleet.common.exception.Invalid`; a problem with one
alert rejects that alert only, named by its index and field, and the
others of the post go on.
"""

import dataclasses
import datetime
import hashlib
import re

from fleet.common import exception

STATUSES = ('firing', 'resolved')
SOURCES = ('alertmanager', 'generic', 'ipmi', 'collector')
MAX_LABELS = 64
MAX_NAME = 255
MAX_LABEL_NAME = 128
MAX_LABEL_VALUE = 1024
MAX_ANNOTATION = 8192
SEVERITY_RE = re.compile(r'^[a-z][a-z0-9_-]{0,31}$')
FINGERPRINT_RE = re.compile(r'^[A-Za-z0-9_.:-]{1,64}$')
LABEL_NAME_RE = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
_FRACTION = re.compile(r'(\.\d{6})\d+')
#: Alertmanager's "no end" time.
_ZERO_TIME = '0001-01-01T00:00:00Z'
DEFAULT_SEVERITY = 'warning'
#: Label and annotation names seen valid (bounded): most posts repeat them.
_GOOD_NAMES = set()


@dataclasses.dataclass(slots=True)
class Incoming:
    """One alert of one post, checked, before it meets the store.

    :ivar index: its position in the post (for rejections).
    :ivar device_id: set by in-process sources that know the device;
        otherwise the labels name it (``[alerts] device_labels``).
    :ivar create: False for a resolve that should not create an alert it
        has never seen (a collector reading back to ok).
    :ivar severity: None when the sender gave none: a new alert gets
        :data:`DEFAULT_SEVERITY`, a stored one keeps its own.
    :ivar labels_fixed: the fingerprint is a function of the labels
        (Alertmanager's, or computed), so a stored alert's labels need no
        rewriting.
    """

    index: int
    fingerprint: str
    name: str
    status: str
    severity: str | None
    labels: dict
    annotations: dict
    source: str
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None
    generator_url: str | None = None
    device_id: int | None = None
    create: bool = True
    labels_fixed: bool = True


class Rejected(Exception):
    """One alert of a post is bad; ``field`` names what."""

    def __init__(self, field, problem):
        super().__init__('%s: %s' % (field, problem))
        self.field = field
        self.problem = problem


def fingerprint(name, labels):
    """A stable fingerprint of an alert name and its labels."""
    h = hashlib.sha256(name.encode('utf-8', 'surrogatepass'))
    for key in sorted(labels):
        h.update(b'\0' + key.encode('utf-8', 'surrogatepass') + b'\1' +
                 labels[key].encode('utf-8', 'surrogatepass'))
    return h.hexdigest()[:32]


def _time(value, field, memo):
    if value is None or value == '' or value == _ZERO_TIME:
        return None
    try:
        return memo[value]
    except (KeyError, TypeError):
        pass
    if not isinstance(value, str) or len(value) > 64:
        raise Rejected(field, 'must be an RFC 3339 time such as '
                       '2026-12-01T10:00:00Z')
    try:
        when = datetime.datetime.fromisoformat(
            _FRACTION.sub(r'\1', value).replace('Z', '+00:00'))
    except ValueError:
        raise Rejected(field, 'cannot read %.40r as an RFC 3339 time'
                       % value) from None
    if when.tzinfo is not None:
        when = when.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    if when.year < 1971:
        when = None
    memo[value] = when
    return when


def _string_map(value, field, name_limit, value_limit):
    if value is None:
        return {}
    if type(value) is not dict:
        raise Rejected(field, 'must be an object of text values')
    if len(value) > MAX_LABELS:
        raise Rejected(field, 'at most %d entries' % MAX_LABELS)
    good = _GOOD_NAMES
    for k, v in value.items():
        if type(v) is not str or len(v) > value_limit:
            if type(v) is not str:
                raise Rejected('%s.%s' % (field, k[:40]),
                               'must be text, not %s' % type(v).__name__)
            raise Rejected('%s.%s' % (field, k[:40]), 'longer than %d '
                           'characters' % value_limit)
        if k not in good:
            if len(k) > name_limit or not LABEL_NAME_RE.match(k):
                raise Rejected(field, 'bad name %.40r: up to %d letters, '
                               'digits and _, not starting with a digit'
                               % (k, name_limit))
            if len(good) < 10000:
                good.add(k)
    return value


def _severity(value, field):
    if value is None:
        return None
    if value in _SEVERITIES:
        return value
    if type(value) is not str or not SEVERITY_RE.match(value.lower()):
        raise Rejected(field, 'must be a short word such as critical, '
                       'warning or info')
    return value.lower()


_SEVERITIES = frozenset(('critical', 'error', 'warning', 'info', 'none'))


def _alerts_list(body, limit):
    if type(body) is not dict:
        raise exception.Invalid('body', 'must be a JSON object',
                                'see the alerts guide for the form')
    alerts = body.get('alerts')
    if type(alerts) is not list:
        raise exception.Invalid('alerts', 'must be a list of alert objects')
    if len(alerts) > limit:
        raise exception.Invalid(
            'alerts', '%d alerts in one post, at most %d'
            % (len(alerts), limit), 'split the post or raise [alerts] '
            'max_alerts_per_post')
    return alerts


def alertmanager(body, limit=1000):
    """``(incoming, rejected)`` from an Alertmanager version-4 payload.

    :returns: a list of :class:`Incoming` and a list of
        ``{'index', 'field', 'message'}``.
    :raises fleet.common.exception.Invalid: the post as a whole is bad.
    """
    alerts = _alerts_list(body, limit)
    version = body.get('version')
    if version is not None and version != '4':
        raise exception.Invalid('version', 'webhook payload version %.10r '
                                'is not supported' % (version,),
                                'use Alertmanager 0.25 or later (version 4)')
    status = body.get('status')
    if status is not None and status not in STATUSES:
        raise exception.Invalid('status', 'must be firing or resolved')
    return _each(alerts, _from_alertmanager)


def generic(body, limit=1000):
    """``(incoming, rejected)`` from fleet's generic form."""
    return _each(_alerts_list(body, limit), _from_generic)


def _each(alerts, reader):
    incoming, rejected, memo = [], [], {}
    for index, item in enumerate(alerts):
        try:
            if type(item) is not dict:
                raise Rejected('alerts[%d]' % index, 'must be an object')
            incoming.append(reader(index, item, memo))
        except Rejected as exc:
            field = exc.field if exc.field.startswith('alerts[') else \
                'alerts[%d].%s' % (index, exc.field)
            rejected.append({'index': index, 'field': field,
                             'message': '%s: %s' % (field, exc.problem)})
    return incoming, rejected


def _status(value):
    if value not in STATUSES:
        raise Rejected('status', 'must be firing or resolved, not %.20r'
                       % (value,))
    return value


def _name(value, field):
    if type(value) is not str or not value or len(value) > MAX_NAME:
        raise Rejected(field, 'must be text of 1 to %d characters'
                       % MAX_NAME)
    return value


def _fingerprint(value, name, labels):
    if value is None or value == '':
        return fingerprint(name, labels)
    if type(value) is not str or not FINGERPRINT_RE.match(value):
        raise Rejected('fingerprint', 'must be up to 64 letters, digits '
                       'and _ . : -')
    return value


def _url(value):
    if value is None or value == '':
        return None
    if type(value) is not str or len(value) > 2048:
        raise Rejected('generatorURL', 'must be text of at most 2048 '
                       'characters')
    return value


class _Checked(dict):
    """Alertmanager alerts whose labels and annotations were found valid,
    by the fingerprint it gave: ``(labels, annotations, name, severity,
    fingerprint, item, fields)`` with the last receipt read (``item``, as
    posted) and what it was read into (``fields``, :class:`Incoming`'s
    after ``index``). Alertmanager repeats an alert with the same labels
    and (mostly) annotations until it resolves; a receipt equal to the
    one checked is not checked again, one equal to the last receipt not
    read again. Bounded (a few tens of MB at most)."""

    LIMIT = 20000

    def remember(self, key, value):
        if len(self) >= self.LIMIT:
            self.clear()
        self[key] = value


_CHECKED = _Checked()


def _from_alertmanager(index, item, memo):
    given = item.get('fingerprint')
    hit = _CHECKED.get(given) if type(given) is str else None
    if hit is not None and hit[5] == item:
        # Reading is a function of the item alone.
        return Incoming(index, *hit[6])
    raw_labels = item.get('labels')
    raw_annotations = item.get('annotations')
    if hit is not None and hit[0] == raw_labels and \
            hit[1] == raw_annotations:
        labels, annotations, name, severity, fingerprint_ = hit[:5]
    else:
        labels = _string_map(raw_labels, 'labels', MAX_LABEL_NAME,
                             MAX_LABEL_VALUE)
        name = _name(labels.get('alertname'), 'labels.alertname')
        annotations = _string_map(raw_annotations, 'annotations',
                                  MAX_LABEL_NAME, MAX_ANNOTATION)
        severity = _severity(labels.get('severity'), 'labels.severity')
        fingerprint_ = _fingerprint(given, name, labels)
    status = item.get('status')
    if status != 'firing' and status != 'resolved':
        _status(status)
    url = item.get('generatorURL')
    if type(url) is not str or not url or len(url) > 2048:
        url = _url(url)
    # Incoming's fields after index, in its order.
    fields = (fingerprint_, name, status, severity, labels, annotations,
              'alertmanager', _time(item.get('startsAt'), 'startsAt', memo),
              _time(item.get('endsAt'), 'endsAt', memo), url)
    if given:
        _CHECKED.remember(given, (labels, annotations, name, severity,
                                  fingerprint_, item, fields))
    return Incoming(index, *fields)


def _from_generic(index, item, memo):
    labels = _string_map(item.get('labels'), 'labels', MAX_LABEL_NAME,
                         MAX_LABEL_VALUE)
    name = _name(item.get('name'), 'name')
    annotations = _string_map(item.get('annotations'), 'annotations',
                              MAX_LABEL_NAME, MAX_ANNOTATION)
    severity = item.get('severity', labels.get('severity'))
    return Incoming(
        index=index, name=name,
        status=_status(item.get('status', 'firing')),
        severity=_severity(severity, 'severity'), labels=labels,
        annotations=annotations, source='generic',
        fingerprint=_fingerprint(item.get('fingerprint'), name, labels),
        labels_fixed=not item.get('fingerprint'),
        starts_at=_time(item.get('starts_at'), 'starts_at', memo),
        ends_at=_time(item.get('ends_at'), 'ends_at', memo))
