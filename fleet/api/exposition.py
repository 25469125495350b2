"""The latest readings in the Prometheus exposition format.

An existing Prometheus (and Grafana) scrapes fleet instead of every BMC: each
reading becomes a gauge sample labelled with its device and placement
(``device``, ``device_uuid``, ``region``, ``cell``, ``rack``, ``role``). Where
ironic-prometheus-exporter has an equivalent, its metric name and labels are
used too (``baremetal_temperature_celsius`` with ``node_name`` /
``node_uuid`` / ``sensor_id``), so dashboards and alert rules written for it
work unchanged. The format is written by the ``prometheus_client`` library.
"""

import sqlalchemy as sa
from sqlalchemy import orm

from fleet.api import selection
from fleet.common import readings as readings_mod
from fleet.db import models

#: Reading kinds with an ironic-prometheus-exporter equivalent.
IPE_FAMILIES = {
    'temperature': ('baremetal_temperature_celsius',
                    'Temperature sensor reading in degrees Celsius.'),
    'fan': ('baremetal_fan_rpm', 'Fan speed in revolutions per minute.'),
}
LABELS = ('node_name', 'node_uuid', 'sensor_id', 'device', 'device_uuid',
          'region', 'cell', 'rack', 'role')


def _family(kind, unit):
    """Metric family name and help for a reading kind and unit."""
    if kind in IPE_FAMILIES:
        return IPE_FAMILIES[kind]
    name = 'fleet_%s' % kind
    if unit and not name.endswith('_' + unit):
        name += '_' + unit
    return name, 'fleet %s reading%s.' % (
        kind.replace('_', ' '), ' in %s' % unit if unit else '')


def _label_value(value):
    return '' if value is None else str(value)


class Exposition:
    """Render the readings store for a Prometheus scrape."""

    def __init__(self, fleet):
        self.fleet = fleet

    def prometheus(self, ctx, **place):
        """The exposition text (``text/plain; version=0.0.4``).

        Unknown readings have no value and are left out of the value
        families; every reading's status is in ``fleet_reading_status``
        (0 ok, 1 unknown, 2 warning, 3 critical).
        """
        from prometheus_client import core
        from prometheus_client import exposition

        r = models.LatestReading
        d = models.Device
        region = orm.aliased(models.Region)
        cell = orm.aliased(models.Cell)
        rack = orm.aliased(models.Rack)
        families = {}
        status = core.GaugeMetricFamily(
            'fleet_reading_status', 'Status of the latest reading: 0 ok, '
            '1 unknown, 2 warning, 3 critical.',
            labels=LABELS + ('metric',))
        with self.fleet.reading() as s:
            ids = selection.device_ids(s, **place)
            q = (sa.select(d.name, d.uuid, region.name, cell.name, rack.name,
                           d.role, r.metric, r.value, r.unit, r.status)
                 .join(d, d.id == r.device_id)
                 .join(region, d.region_id == region.id)
                 .outerjoin(cell, d.cell_id == cell.id)
                 .outerjoin(rack, d.rack_id == rack.id)
                 .order_by(r.metric, d.name))
            if ids is not None:
                q = q.where(r.device_id.in_(ids))
            for (name, uuid, reg, cel, rac, role, metric, value, unit,
                 st) in s.execute(q):
                kind, _, sensor = metric.partition('.')
                labels = [name, uuid, sensor, name, uuid, reg,
                          _label_value(cel), _label_value(rac),
                          _label_value(role)]
                status.add_metric(labels + [metric],
                                  readings_mod.STATUS_RANK.get(st, 1))
                if value is None:
                    continue
                fam_name, help_text = _family(kind, unit)
                family = families.get(fam_name)
                if family is None:
                    family = families[fam_name] = core.GaugeMetricFamily(
                        fam_name, help_text, labels=LABELS)
                family.add_metric(labels, value)

        class _Collected:
            def collect(self):
                yield from (families[k] for k in sorted(families))
                yield status

        registry = core.CollectorRegistry(auto_describe=False)
        registry.register(_Collected())
        return exposition.generate_latest(registry).decode('utf-8')
