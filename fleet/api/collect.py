"""One collection: enabled collectors read the selected devices; store.

``Collect.run`` selects devices (the operator's filters), resolves in one
bulk lookup the variables each collector needs (BMC address and
credentials for ``ipmi``), calls each collector once for all of them, and
writes the readings in one batch per collector, in one transaction with
the alerts they raise (:meth:`fleet.api.alerts.Alerts.collected`). A
device that cannot be read is counted with its reason; the collection
goes on.
"""

import collections
import logging
import time

import sqlalchemy as sa

from fleet.api import selection
from fleet.common import exception
from fleet.db import models

LOG = logging.getLogger(__name__)

#: What one collector did: devices asked, devices read, failures by device
#: name (reason), readings written, SEL/other events, seconds taken, and
#: the error that stopped it (its peer unreachable), else None.
CollectorRun = collections.namedtuple(
    'CollectorRun',
    'collector devices read failed readings events elapsed error')


class Collect:
    """Run collectors over a selection of devices."""

    def __init__(self, fleet):
        self.fleet = fleet

    def _devices(self, s, place):
        d = models.Device
        ids = selection.device_ids(s, **place)
        q = sa.select(d.id, d.name, d.uuid, d.mgmt_address).order_by(d.name)
        if ids is not None:
            q = q.where(d.id.in_(ids))
        return [dict(row._mapping) for row in s.execute(q)]

    def run(self, ctx, collector=None, params=None, progress=None, **place):
        """Collect and store; return a list of :class:`CollectorRun`.

        :param collector: one collector's name; default every enabled one.
        :param params: per-run plugin parameters (``connection_factory``).
        :param progress: ``progress(message)`` callback for long work.
        :param place: device filters (``region``, ``rack``, ``role`` ...).
        :raises fleet.common.exception.PluginNotEnabled: ``collector`` is
            not in ``[collectors] enabled_collectors``.
        A collector whose peer (not one device) cannot be reached is
        reported with its ``error``; the others still run, and nothing
        already stored is lost.
        """
        from fleet.plugins import loader

        conf = self.fleet.conf
        progress = progress or (lambda msg: None)
        if collector:
            plugins = {collector: loader.load('collectors', collector, conf,
                                              params=params)}
        else:
            plugins = loader.load_enabled('collectors', conf, params=params)
        with self.fleet.reading() as s:
            devices = self._devices(s, place)
        wanted = sorted({v for p in plugins.values() for v in p.variables})
        resolved = self.fleet.variables.secrets(
            ctx, [dev['id'] for dev in devices], wanted) \
            if wanted and devices else {}
        names = {dev['id']: dev['name'] for dev in devices}
        runs = []
        for name, plugin in plugins.items():
            progress('%s: reading %d devices' % (name, len(devices)))
            started = time.monotonic()
            targets = [dict(dev, variables={
                k: v for k, v in resolved.get(dev['id'], {}).items()
                if k in plugin.variables}) for dev in devices]
            try:
                readings = plugin.collect(targets) if targets else []
            except exception.SourceUnavailable as exc:
                plugin.close()
                LOG.info('collect %s by %s: stopped: %s', name, ctx.actor,
                         exc)
                runs.append(CollectorRun(name, len(devices), 0, {}, 0, [],
                                         time.monotonic() - started,
                                         str(exc)))
                continue
            # One sweep per run: log out of BMCs, close connections.
            plugin.close()
            for reading in readings:
                if reading.source is None:
                    reading.source = name
            failed = _failures(readings, names)
            progress('%s: storing %d readings' % (name, len(readings)))
            events = list(getattr(readings, 'events', ()) or ())
            # One transaction: the readings and the alerts they raise
            # (threshold crossings and SEL entries, through the alert
            # intake) are stored together or not at all. The intake goes
            # first: its writer lock must come before the transaction's
            # first read (MariaDB's snapshot starts there).
            with self.fleet.transaction(ctx) as txn:
                self.fleet.alerts.collected(ctx, readings, events, names,
                                            txn=txn)
                self.fleet.telemetry.record(ctx, readings, txn=txn)
            read = len({r.device_id for r in readings
                        if r.status != 'unknown'})
            runs.append(CollectorRun(
                name, len(devices), read, failed, len(readings), events,
                time.monotonic() - started, None))
            LOG.info('collect %s by %s: %d devices, %d read, %d failed, '
                     '%d readings', name, ctx.actor, len(devices), read,
                     len(failed), len(readings))
        return runs


def _failures(readings, names):
    """``{device name: reason}`` of devices with no usable reading."""
    good, reasons = set(), {}
    for r in readings:
        if r.status != 'unknown':
            good.add(r.device_id)
        elif r.reason:
            reasons.setdefault(r.device_id, r.reason)
    return {names.get(dev, str(dev)): reason
            for dev, reason in sorted(reasons.items()) if dev not in good}
