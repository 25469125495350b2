"""Spare capacity (FLT003): what can be freed, with its owner project.

``fleet.capacity.report(ctx, ...)`` reads Nova, Placement, Neutron and
Cinder (each request bounded by ``[capacity] timeout``) and returns a
:class:`Report` of sections, one per kind (:data:`rows.KINDS`):

* ``instance``: idle instances (:mod:`.instances`);
* ``hypervisor``: hypervisors with no instances (:mod:`.hypervisors`);
* ``headroom``: free capacity per region / availability zone / aggregate
  and resource class from Placement (:mod:`.headroom`);
* ``floating_ip`` / ``port``: floating IPs not associated, ports with no
  device (:mod:`.network`);
* ``volume``: volumes available longer than a threshold (:mod:`.volumes`).

A service that is missing or down makes the sections it feeds
unavailable, with the reason; the other sections are still reported.
Unless ``record`` is false or the context is a dry run, the per-host
figures are stored as ``capacity.*`` readings (:mod:`.record`).
"""

import dataclasses

from fleet.api.capacity import fetch
from fleet.api.capacity import headroom as headroom_mod
from fleet.api.capacity import hypervisors as hyp_mod
from fleet.api.capacity import instances as instances_mod
from fleet.api.capacity import network as network_mod
from fleet.api.capacity import record as record_mod
from fleet.api.capacity import rows
from fleet.api.capacity import thresholds
from fleet.api.capacity import volumes as volumes_mod
from fleet.common import exception

KINDS = rows.KINDS


@dataclasses.dataclass
class Section:
    """The rows of one kind, or why the kind could not be reported."""

    kind: str
    rows: list
    error: str | None = None


@dataclasses.dataclass
class Report:
    """A capacity report.

    :ivar sections: one :class:`Section` per kind asked, in report order.
    :ivar thresholds: ``{idle_instance_after, volume_available_after}`` in
        seconds, as applied.
    :ivar recorded: readings written (0 when not recording).
    :ivar generated_at: ISO time (UTC) the report was computed.
    """

    sections: list
    thresholds: dict
    recorded: int
    generated_at: str

    @property
    def errors(self):
        """``{kind: reason}`` of the unavailable sections."""
        return {s.kind: s.error for s in self.sections if s.error}

    def rows(self):
        """Every row; an unavailable section gives one row saying why."""
        out = []
        for section in self.sections:
            if section.error:
                out.append(rows.row(section.kind, None, status='unavailable',
                                    detail=section.error))
            out.extend(section.rows)
        return out

    def to_dict(self):
        """JSON-ready form (the REST API's body)."""
        return {'generated_at': self.generated_at,
                'thresholds': dict(self.thresholds),
                'recorded_readings': self.recorded,
                'sections': [{'kind': s.kind, 'available': not s.error,
                              'error': s.error, 'rows': s.rows}
                             for s in self.sections]}


def check_kinds(kinds):
    """The kinds asked, in report order; all when ``kinds`` is empty.

    :raises fleet.common.exception.Invalid: an unknown kind.
    """
    if not kinds:
        return list(KINDS)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise exception.Invalid('kind', 'unknown kind %s' % ', '.join(
            repr(k) for k in unknown), 'use one of %s' % ', '.join(KINDS))
    return [k for k in KINDS if k in kinds]


class Capacity:
    """The spare-capacity report over the cloud's services."""

    def __init__(self, fleet):
        self.fleet = fleet

    def _conf(self):
        return self.fleet.conf.capacity

    def thresholds(self, idle_after=None, available_after=None):
        """``{idle_instance_after, volume_available_after}`` in seconds.

        :param idle_after: overrides ``[capacity] idle_instance_after``.
        :param available_after: overrides ``[capacity]
            volume_available_after``.
        :raises fleet.common.exception.Invalid: a bad duration, naming the
            option or argument.
        """
        conf = self._conf()
        return {
            'idle_instance_after': thresholds.parse_duration(
                conf.idle_instance_after if idle_after is None
                else idle_after,
                '[capacity] idle_instance_after' if idle_after is None
                else 'idle_after'),
            'volume_available_after': thresholds.parse_duration(
                conf.volume_available_after if available_after is None
                else available_after,
                '[capacity] volume_available_after'
                if available_after is None else 'available_after'),
        }

    def report(self, ctx, kinds=None, params=None, idle_after=None,
               available_after=None, record=True, now=None):
        """Compute the report; return a :class:`Report`.

        :param kinds: kinds to report (default all).
        :param params: ``connection`` or ``connection_factory`` (an
            openstacksdk Connection, as the inventory sources take).
        :param idle_after: / :param available_after: thresholds overriding
            the options (seconds or ``7d``-style text).
        :param record: store the per-host ``capacity.*`` readings (not in
            a dry run).
        :param now: naive UTC time to judge ages by (default now).
        :raises fleet.common.exception.Invalid: an unknown kind or bad
            threshold; nothing is read or written.
        """
        kinds = check_kinds(kinds)
        limits = self.thresholds(idle_after, available_after)
        now = now or rows.utcnow()
        conf = self._conf()
        gather = fetch.Gather(dict(params or {}), float(conf.timeout),
                              int(conf.workers))
        gather.run([svc for k in kinds for svc in fetch.NEEDS[k]])
        sections = []
        idle_rows = []
        for kind in kinds:
            missing = [s for s in fetch.NEEDS[kind] if s in gather.errors]
            if missing:
                sections.append(Section(kind, [], '; '.join(dict.fromkeys(
                    gather.errors[s] for s in missing))))
                continue
            section_rows = self._rows(kind, gather.data, limits, conf, now)
            if kind == 'instance':
                idle_rows = section_rows
            sections.append(Section(kind, section_rows))
        recorded = 0
        if record and not ctx.dry_run and 'nova' in gather.data and (
                {'instance', 'hypervisor', 'headroom'} & set(kinds)):
            if 'instance' not in kinds:
                idle_rows = self._rows('instance', gather.data, limits,
                                       conf, now)
            found = record_mod.host_readings(
                self.fleet, gather.data['nova'],
                gather.data.get('placement'), idle_rows, now)
            if found:
                recorded = self.fleet.telemetry.record(ctx, found).written
        return Report(sections, limits, recorded, now.isoformat() + 'Z')

    @staticmethod
    def _rows(kind, data, limits, conf, now):
        if kind == 'instance':
            return instances_mod.idle(
                data['nova']['servers'], conf.idle_instance_statuses,
                limits['idle_instance_after'], now)
        if kind == 'hypervisor':
            return hyp_mod.empty(data['nova']['hypervisors'],
                                 data['nova']['servers'])
        if kind == 'headroom':
            nova = data['nova']
            return headroom_mod.headroom(
                data['placement']['region'], data['placement']['providers'],
                hyp_mod.hosts_of(nova['hypervisors']), nova['zones'],
                nova['aggregates'])
        if kind == 'floating_ip':
            return network_mod.floating_ips(data['neutron']['floating_ips'],
                                            now)
        if kind == 'port':
            return network_mod.orphan_ports(data['neutron']['ports'], now)
        return volumes_mod.available(data['cinder']['volumes'],
                                     limits['volume_available_after'], now)
