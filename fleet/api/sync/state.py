"""The state of one sync: its transaction, index and report rows."""

import collections

from fleet.common import exception


class State:
    """What one sync knows while it runs; shared by the apply steps.

    :ivar source: owner of the devices this sync creates.
    :ivar snap: the source's snapshot.
    :ivar txn: the :class:`fleet.api.store.Txn` of the sync.
    :ivar index: the :class:`fleet.api.index.LevelIndex`, loaded after the
        sync lock is held.
    :ivar rows: report rows ``{action, kind, name, details}``.
    :ivar counts: ``Counter`` of report actions.
    """

    def __init__(self, fleet, source, snapshot, cloud, region, progress):
        self.fleet = fleet
        self.source = source
        self.snap = snapshot
        self.default_cloud = cloud
        self.default_region = region
        self.progress = progress or (lambda msg: None)
        self.batch = fleet.batch_size
        self.txn = None
        self.index = None
        self.rows = []
        self.counts = collections.Counter()
        self._by_object = {}

    @property
    def session(self):
        return self.txn.session

    def report(self, action, kind, name, details=''):
        """Add a report row; one row per object, details joined."""
        key = (kind, name)
        row = self._by_object.get(key)
        if row is not None:
            if action == 'changed' and row['action'] == 'returned':
                row['action'] = 'changed'
                self.counts['returned'] -= 1
                self.counts['changed'] += 1
            if details:
                row['details'] = '; '.join(x for x in (row['details'],
                                                       details) if x)
            return
        row = {'action': action, 'kind': kind, 'name': name,
               'details': details}
        self._by_object[key] = row
        self.rows.append(row)
        self.counts[action] += 1


def invalid(where, problem):
    """The error of a bad snapshot record (any source)."""
    return exception.InvalidInput(where, problem)
