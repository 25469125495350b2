"""Alert intake: fingerprint, dedupe, link, hold back, silence, in batches.

One post is one transaction and a fixed number of statements, whatever
its size (:mod:`.rows`): the writer lock, one SELECT of the stored alerts
with the post's fingerprints (the columns that tell a receipt that only
counts), one of the full rows of those whose receipts do more (none in a
post of plain repeats), one of the unexpired silences (whose
matchers are then evaluated in memory), one of the change counter (device
links are cached until it moves, :mod:`.linking`; values not seen before
cost one lookup for the whole post), one executemany INSERT of new alerts
(and one SELECT of their ids), one executemany UPDATE of the others, and
the change rows in one executemany; all in batches of ``[database]
batch_size``. Only state changes (a new alert, held -> firing,
resolved, back again, flapping, silenced) are change-logged and queue an
event; a repeated receipt of the same firing alert only counts.

An **occurrence** is a firing receipt that starts a new episode: a new
alert, one that fires again after it resolved, a new ``startsAt``, or a
receipt without a start time (a generic sender, a collector sweep). An
alert is **held** while its occurrences within the rule's window are
fewer than the rule's threshold; the window starts at the first
occurrence and starts again at the first occurrence after it ends. An
alert that comes back (fires after it resolved) more than the rule's flap
threshold within its flap window is **flapping**; it stays so until a
human acknowledges it.
"""

import collections
import datetime
import functools
import json
import logging

from fleet.api.alerts import matchers as matchers_mod
from fleet.api.alerts import metrics
from fleet.api.alerts import payloads
from fleet.api.alerts import rows as rows_mod
from fleet.api.alerts import state as state_mod
from fleet.db import alert_models
from fleet.db import bulk
from fleet.db import locks

LOG = logging.getLogger(__name__)

#: The writer lock of the intake: two posts of one new fingerprint must
#: not both insert it.
LOCK = 'alerts'

#: Columns an intake reads and writes (besides id and fingerprint).
COLUMNS = rows_mod.COLUMNS

#: The columns a repeated receipt sets.
_COUNTED = frozenset(('received', 'last_seen'))

#: Positions in a stored tuple (:func:`.rows.stored`).
_ID, _STATUS, _SEVERITY, _ANNOTATIONS, _GENERATOR_URL = (
    rows_mod.ID, rows_mod.STATUS, rows_mod.SEVERITY, rows_mod.ANNOTATIONS,
    rows_mod.GENERATOR_URL)
_DEVICE, _UNKNOWN, _WINDOW_COUNT, _HELD, _SILENCE = (
    rows_mod.DEVICE_ID, rows_mod.DEVICE_UNKNOWN, rows_mod.WINDOW_COUNT,
    rows_mod.HELD, rows_mod.SILENCE_ID)
_STARTS_AT, _ENDS_AT = rows_mod.STARTS_AT, rows_mod.ENDS_AT

#: What one post did.
Result = collections.namedtuple(
    'Result', 'accepted created updated resolved rejected ids actionable')
Result.__new__.__defaults__ = ((),)
Result.__doc__ = (
    'What a post stored. ``actionable``: ``(alert name, device id)`` of '
    'the alerts of known devices that became actionable (firing) in it, '
    'for :mod:`fleet.api.reactions`.')


def _dumps(value):
    return json.dumps(value, sort_keys=True, separators=(',', ':'))


class _Texts(dict):
    """The JSON text of each fingerprint's last annotations: a repeated
    receipt (the same annotations) is not encoded again. Bounded."""

    LIMIT = 100000

    def __call__(self, fingerprint, annotations):
        if not annotations:
            return '{}'
        hit = self.get(fingerprint)
        if hit is not None and hit[0] == annotations:
            return hit[1]
        if len(self) >= self.LIMIT:
            self.clear()
        text = _dumps(annotations)
        self[fingerprint] = (annotations, text)
        return text


def project_of(labels):
    project = labels.get('project_id') or labels.get('tenant_id')
    return project[:64] if project else None


class Intake:
    """Write posts of :class:`fleet.api.alerts.payloads.Incoming`."""

    def __init__(self, fleet, rulebook, linker):
        self.fleet = fleet
        self.rulebook = rulebook
        self.linker = linker
        #: Counters since start: received, rejected, created, resolved.
        self.counts = collections.Counter()
        self._annotations = _Texts()
        self._silences = rows_mod.Silences()

    def ingest(self, ctx, incoming, rejected=(), now=None, txn=None):
        """Store ``incoming`` in one transaction; return a :class:`Result`.

        :param rejected: the post's rejected alerts (counted and logged
            here, returned in the result).
        :param txn: the caller's :class:`fleet.api.store.Txn` to write in
            (``fleet collect``); the intake must be its first reader, as
            its writer lock comes first. Its events, counters and link
            cache follow once that transaction committed. Default: one
            of its own.
        """
        rejected = list(rejected)
        for item in rejected:
            LOG.warning('alert intake by %s: rejected %s', ctx.actor,
                        item['message'])
        self.counts['rejected'] += len(rejected)
        if not incoming:
            return Result(0, 0, 0, 0, rejected, [])
        rules = self.rulebook.rules()
        defaults = self.rulebook.defaults
        batch = self.fleet.batch_size
        joined = txn is not None
        with self.fleet.transaction(ctx, txn=txn) as txn:
            now = now or txn.now
            session = txn.session
            locks.acquire(session, LOCK, self.fleet.lock_timeout)
            conn = session.connection()
            fingerprints = sorted({i.fingerprint for i in incoming})
            stored = rows_mod.stored(conn, fingerprints, batch)
            silences = self._silences.active(conn, now)
            # Unknown devices are looked up again only once the
            # inventory may have changed.
            counter = rows_mod.change_counter(conn)
            retry = self.linker.begin(counter)
            relink = [i for i in incoming if i.fingerprint not in stored or
                      (retry and stored[i.fingerprint][_UNKNOWN]) or
                      (stored[i.fingerprint][_DEVICE] is None and
                       i.device_id is not None)]
            links = self.linker.link(session, relink, batch, counter) \
                if relink else {}
            new, touched, transitions = {}, {}, []
            accepted = collections.Counter()
            deduplicated = collections.Counter()
            # Receipts that only count (the same firing episode, the same
            # contents), told by the stored tuple: no full row, no state
            # to work out, no diff to take. The full rows of the others
            # in one more read.
            limits_of, only = [], []
            for item in incoming:
                fp = item.fingerprint
                limits = self.rulebook.limits_for(
                    item.name, item.labels, rules, defaults) if rules \
                    else defaults
                limits_of.append(limits)
                values = stored.get(fp)
                only.append(values is not None and _only_counted(
                    values, item, limits, silences, links.get(fp),
                    self._annotations))
            olds = rows_mod.full(conn, sorted(
                {i.fingerprint for i, o in zip(incoming, only)
                 if not o and i.fingerprint in stored}), batch)
            quick = {}
            for item, limits, only_counted in zip(incoming, limits_of, only):
                fp = item.fingerprint
                row = new.get(fp) or touched.get(fp)
                if row is None and only_counted:
                    quick[fp] = quick.get(fp, 0) + 1
                    deduplicated[item.source] += 1
                    accepted[item.source] += 1
                    continue
                if row is None and fp in olds:
                    row = dict(olds[fp])
                    # Receipts of this post that only counted.
                    if fp in quick:
                        row['received'] += quick.pop(fp)
                        row['last_seen'] = now
                before = None if row is None else state_mod.state(row, now)
                if row is None:
                    if not item.create and item.status == 'resolved':
                        continue
                    row = _new_row(item, now)
                    new[item.fingerprint] = row
                else:
                    deduplicated[item.source] += 1
                    _receive(row, item, now, limits)
                    if item.fingerprint not in new:
                        touched[item.fingerprint] = row
                _apply(row, item, now, limits, silences,
                       links.get(item.fingerprint), self._annotations)
                accepted[item.source] += 1
                after = state_mod.state(row, now)
                if before != after:
                    transitions.append((item.fingerprint, before, after))
            if new:
                bulk.insert_many(session, alert_models.Alert,
                                 list(new.values()), batch)
                for fp, id_ in rows_mod.ids(conn, sorted(new), batch):
                    new[fp]['id'] = id_
            if touched or quick:
                # Only what changed. A repeated receipt sets two columns:
                # those are one UPDATE per post (by how often each alert
                # came in it), the others one executemany.
                changed, counted = [], collections.defaultdict(list)
                for fp, receipts in quick.items():
                    counted[receipts].append(stored[fp][_ID])
                for fp, r in touched.items():
                    old = olds[fp]
                    diff = {c: r[c] for c in COLUMNS if r[c] != old[c]}
                    if diff.keys() <= _COUNTED and r['last_seen'] == now:
                        counted[r['received'] - old['received']].append(
                            r['id'])
                        continue
                    diff['_id'] = r['id']
                    changed.append(diff)
                rows_mod.count_receipts(conn, counted, now, batch)
                bulk.update_many(session, alert_models.Alert, changed,
                                 batch)
            resolved = self._record(txn, transitions, new, touched)
            own = rows_mod.driver(conn) is not None and not ctx.dry_run
            done = functools.partial(
                self._committed, txn, own, counter, len(transitions),
                accepted, deduplicated, (len(incoming), len(new), resolved))
            if joined:
                txn.after_commit.append(done)
        if not joined:
            done()
        ids = [stored[i.fingerprint][_ID] if i.fingerprint in quick else
               (new.get(i.fingerprint) or touched.get(i.fingerprint) or
                {}).get('id') for i in incoming]
        actionable = sorted({
            ((new.get(fp) or touched[fp])['name'],
             (new.get(fp) or touched[fp])['device_id'])
            for fp, _, after in transitions if after == 'firing' and
            (new.get(fp) or touched[fp])['device_id'] is not None})
        return Result(len(incoming), len(new), len(touched) + len(quick),
                      resolved,
                      rejected, ids, actionable)

    def _committed(self, txn, own, counter, changes, accepted,
                   deduplicated, counts):
        """What follows a post's commit (or, alone, its dry run)."""
        # Only when the post's own change rows were all the transaction
        # wrote: another writer's rows mean the inventory may have moved.
        if own and txn.flushed == changes:
            self.linker.wrote(counter, changes)
        if not txn.ctx.dry_run:
            metrics.stored(accepted, deduplicated)
        for key, n in zip(('received', 'created', 'resolved'), counts):
            self.counts[key] += n

    def _record(self, txn, transitions, new, touched):
        """Change rows and events of the post's state changes."""
        resolved = 0
        for fp, before, after in transitions:
            row = new.get(fp) or touched[fp]
            if before is None:
                action, event = 'create', 'fleet.alert.create'
            elif after == 'resolved':
                action, event = 'resolve', 'fleet.alert.resolve'
                resolved += 1
            else:
                action, event = 'update', 'fleet.alert.update'
            txn.record(action, 'alert', row['id'], row['name'][:255],
                       field='state', old=before, new=after)
            txn.emit(event, state_mod.event_payload(row, after),
                     project_id=row['project_id'])
        return resolved


def _new_row(item, now):
    return {
        'fingerprint': item.fingerprint, 'name': item.name,
        'source': item.source, 'status': item.status,
        'severity': item.severity or payloads.DEFAULT_SEVERITY,
        'labels': _dumps(item.labels),
        'annotations': _dumps(item.annotations),
        'generator_url': item.generator_url, 'device_id': None,
        'device_unknown': False, 'project_id': project_of(item.labels),
        'occurrences': 1, 'received': 1, 'window_start': now,
        'window_count': 1, 'returns': 0, 'flap_start': None,
        'flap_count': 0, 'held': False, 'flapping': False,
        'silence_id': None, 'acknowledged_by': None,
        'acknowledged_at': None, 'first_seen': now, 'last_seen': now,
        'starts_at': item.starts_at or now,
        'ends_at': (item.ends_at or now) if item.status == 'resolved'
        else None}


def _receive(row, item, now, limits):
    """Count one receipt of a stored alert: occurrences, returns."""
    row['received'] += 1
    row['last_seen'] = now
    if item.status != 'firing':
        if row['status'] == 'firing':
            row['status'] = 'resolved'
            row['ends_at'] = item.ends_at or now
        return
    came_back = row['status'] == 'resolved'
    if came_back or item.starts_at is None or \
            item.starts_at != row['starts_at']:
        row['occurrences'] += 1
        if now - row['window_start'] > datetime.timedelta(
                seconds=limits.repeat_window):
            row['window_start'], row['window_count'] = now, 1
        else:
            row['window_count'] += 1
    if came_back:
        row['returns'] += 1
        if row['flap_start'] is None or now - row['flap_start'] > \
                datetime.timedelta(seconds=limits.flap_window):
            row['flap_start'], row['flap_count'] = now, 1
        else:
            row['flap_count'] += 1
        if row['flap_count'] > limits.flap_threshold:
            row['flapping'] = True
        # The acknowledgement was of the episode that ended.
        row['acknowledged_by'] = row['acknowledged_at'] = None
    row['status'] = 'firing'
    row['ends_at'] = None
    row['starts_at'] = item.starts_at or (now if came_back
                                          else row['starts_at'])


def _apply(row, item, now, limits, silences, link, texts):
    """What every receipt sets: contents, hold, silence, device."""
    if item.severity is not None:
        row['severity'] = item.severity
    if not item.labels_fixed or row.get('id') is None:
        labels = _dumps(item.labels)
        if labels != row['labels']:
            row['labels'] = labels
            row['project_id'] = project_of(item.labels)
    row['annotations'] = texts(item.fingerprint, item.annotations)
    if item.generator_url:
        row['generator_url'] = item.generator_url
    row['held'] = row['status'] == 'firing' and \
        row['window_count'] < limits.repeat_threshold
    if item.status == 'firing':
        row['silence_id'] = _silence_of(item, silences)
    if link is not None:
        row['device_id'], row['device_unknown'] = link


def _silence_of(item, silences):
    """The id of the first unexpired silence matching a firing alert."""
    if not silences:
        return None
    match = dict(item.labels, alertname=item.name)
    return next((id_ for id_, ms in silences
                 if matchers_mod.matches_all(ms, match)), None)


def _only_counted(values, item, limits, silences, link, texts):
    """Whether a receipt of the stored alert ``values`` (a
    :func:`.rows.stored` tuple) changes nothing but ``received`` and
    ``last_seen`` (what :func:`_receive` and :func:`_apply` would do): the
    same firing episode (same ``startsAt``) with the same contents, hold,
    silence and device."""
    if item.status != 'firing' or values[_STATUS] != 'firing' or \
            item.starts_at is None or not item.labels_fixed or \
            values[_ENDS_AT] is not None or \
            item.starts_at != rows_mod.time_at(values, _STARTS_AT):
        return False
    if (item.severity is not None and item.severity != values[_SEVERITY]) \
            or (item.generator_url and
                item.generator_url != values[_GENERATOR_URL]):
        return False
    if (values[_WINDOW_COUNT] < limits.repeat_threshold) != \
            bool(values[_HELD]):
        return False
    if link is not None and \
            link != (values[_DEVICE], bool(values[_UNKNOWN])):
        return False
    if _silence_of(item, silences) != values[_SILENCE]:
        return False
    return texts(item.fingerprint, item.annotations) == values[_ANNOTATIONS]
