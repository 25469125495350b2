"""Apply an inventory source's snapshot to the inventory.

One sync is one transaction: it adds what is new, changes what differs,
flags devices the source owns but no longer lists as missing (never deletes
them) and records every change. Run twice on the same input, the second run
changes nothing. With ``dry_run`` the same code runs and is rolled back.

Ownership: a device belongs to the source that created it. The owner may
change any attribute it reports; another source only fills attributes that
are empty, and adds its observations as variables.

Concurrency: a sync takes the sync lock (:mod:`fleet.db.locks`) before it
reads anything it compares, so concurrent syncs run one after the other and
each change is recorded once, by the sync that made it.

The steps, one module each: :mod:`fleet.api.snapshot_checks` (records
checked before anything is read), :mod:`~fleet.api.sync.hierarchy`
(levels, placement), :mod:`~fleet.api.sync.devices` (devices, parents,
labels, missing) and :mod:`~fleet.api.sync.variables`.
"""

import collections
import logging

from fleet.api import index as index_mod
from fleet.api import owners
from fleet.api import snapshot_checks
from fleet.api.sync import devices as devices_step
from fleet.api.sync import hierarchy as hierarchy_step
from fleet.api.sync import state as state_mod
from fleet.api.sync import variables as variables_step
from fleet.db import locks

LOG = logging.getLogger(__name__)

Report = collections.namedtuple('Report', 'rows counts')


class Sync:
    """Compare a snapshot with the inventory and apply the difference."""

    def __init__(self, fleet):
        self.fleet = fleet

    def run(self, ctx, source, params=None, conf=None, progress=None):
        """Load the source plugin ``source``, collect and apply.

        With ``ctx.dry_run`` the plan is computed and rolled back.

        :param params: passed to the plugin (``path``,
            ``connection_factory`` or ``connection``, ``cloud``,
            ``region``).
        """
        from fleet.plugins import loader
        if conf is None:
            from fleet.conf import CONF as conf
        params = dict(params or {})
        params.setdefault('default_region', conf.inventory.default_region)
        plugin = loader.load_source(source, conf, params)
        if progress:
            progress('collecting from %s' % source)
        snapshot = plugin.collect()
        return self.apply(ctx, source, snapshot, cloud=params.get('cloud'),
                          region=params.get('region'), progress=progress)

    def apply(self, ctx, source, snapshot, cloud=None, region=None,
              progress=None):
        """Apply ``snapshot`` from ``source``; return a :class:`Report`.

        :param cloud: cloud for devices that name none (API sources).
        :param region: region for devices that name none.
        :raises fleet.common.exception.InvalidInput: a bad record (its
            ``where`` names it; ``InvalidAssetFile`` for an asset file's
            own checks); the database is unchanged.
        :raises fleet.common.exception.LockTimeout: another sync held the
            sync lock longer than ``[database] lock_timeout``.
        """
        snapshot_checks.check(snapshot)
        st = state_mod.State(self.fleet, snapshot.owner or source, snapshot,
                             cloud, region, progress)
        timeout = self.fleet.lock_timeout
        with self.fleet.transaction(ctx, 'inventory sync %s' % source) as txn:
            st.txn = txn
            locks.acquire(txn.session, locks.SYNC, timeout)
            _apply(st)
        # Names and counts only: values (secrets among them) never.
        LOG.info('sync %s by %s%s: %s', st.source, ctx.actor,
                 ' (dry run)' if ctx.dry_run else '',
                 ', '.join('%d %s' % (n, action) for action, n in
                           sorted(st.counts.items())) or 'no changes')
        for row in st.rows:
            LOG.debug('sync %s: %s %s %s', st.source, row['action'],
                      row['kind'], row['name'])
        return Report(st.rows, st.counts)


def _apply(st):
    """Every step of one sync, inside its transaction and lock."""
    owners.adopt_legacy(st.txn, st.snap, st.source, st.batch)
    st.index = index_mod.LevelIndex.load(st.session, devices=False)
    hierarchy = hierarchy_step.Hierarchy(st)
    hierarchy.apply()
    devices = devices_step.Devices(st, hierarchy)
    devices.apply()
    variables_step.apply_device_vars(st, devices.ids, devices.matched)
    variables_step.apply_level_vars(st, hierarchy, devices.ids)
    devices.touch()
    if st.snap.complete:
        devices.flag_missing()
