"""``prometheus``: host CPU, memory, disk and network from node-exporter.

The collector asks an existing Prometheus (its HTTP API, ``/api/v1/query``)
instead of scraping the hosts itself: a handful of instant PromQL queries
over node-exporter's metrics per sweep, each answering for every host at
once, grouped by the label that names the host.
"""

import logging
import re

from oslo_config import cfg

from fleet.common import exception
from fleet.common.readings import Reading
from fleet.plugins import base as plugin_base
from fleet.plugins.collectors import base
from fleet.plugins.collectors import prometheus_api

LOG = logging.getLogger(__name__)

LABEL_RE = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
DURATION_RE = re.compile(r'^([0-9]+(ms|[smhdwy]))+$')
#: Characters a mount point or device name keeps in a metric name.
_UNSAFE = re.compile(r'[^A-Za-z0-9_:-]+')

#: (metric, unit, PromQL template): one value per host. ``{H}`` is the
#: host label, ``{S}`` the extra matchers (with a leading comma), ``{W}``
#: the rate window, ``{N}`` the network devices left out.
HOST_QUERIES = (
    ('cpu.busy_percent', 'percent',
     '100 * (1 - avg by ({H}) (rate(node_cpu_seconds_total'
     '{{mode="idle"{S}}}[{W}])))'),
    ('memory.used_bytes', 'bytes',
     'max by ({H}) (node_memory_MemTotal_bytes{{{s}}} - '
     'node_memory_MemAvailable_bytes{{{s}}})'),
    ('memory.available_bytes', 'bytes',
     'max by ({H}) (node_memory_MemAvailable_bytes{{{s}}})'),
    ('network.receive_bytes_per_second', 'bytes_per_second',
     'sum by ({H}) (rate(node_network_receive_bytes_total'
     '{{device!~"{N}"{S}}}[{W}]))'),
    ('network.transmit_bytes_per_second', 'bytes_per_second',
     'sum by ({H}) (rate(node_network_transmit_bytes_total'
     '{{device!~"{N}"{S}}}[{W}]))'),
)
#: Per mount point: ``{F}`` the file system types left out, ``{M}`` the
#: mount points kept.
FS_QUERY = ('max by ({H}, mountpoint) (node_filesystem_%s_bytes'
            '{{fstype!~"{F}",mountpoint=~"{M}"{S}}})')
DISK_QUERY = ('100 * max by ({H}, device) (rate('
              'node_disk_io_time_seconds_total{{device!~"{D}"{S}}}[{W}]))')
UP_QUERY = 'max by ({H}) (up{{{s}}})'
#: Metrics every monitored host has (per-mount and per-disk ones vary).
HOST_METRICS = tuple(q[0] for q in HOST_QUERIES)


class PrometheusCollector(base.Collector):
    """Host CPU busy, memory, file systems, disk I/O time, network rates.

    **Readings** (source ``prometheus``), per host, from node-exporter's
    metrics in Prometheus:

    - ``cpu.busy_percent``: 100 minus the idle share of every CPU, averaged
      over ``rate_window``;
    - ``memory.used_bytes`` (total minus available) and
      ``memory.available_bytes``;
    - ``filesystem.<mount>.free_bytes`` (available to users, as ``df``
      says), ``filesystem.<mount>.used_bytes`` and
      ``filesystem.<mount>.used_percent``, per mount point (``root`` for
      ``/``; ``/var/lib/nova`` gives ``var_lib_nova``);
    - ``disk.<device>.io_time_percent``: share of time the disk was busy
      with I/O over ``rate_window``;
    - ``network.receive_bytes_per_second`` and
      ``network.transmit_bytes_per_second``: all interfaces of the host
      but those ``network_exclude_devices`` leaves out.

    **Which device is which host:** Prometheus' series carry a label that
    names the host (``host_label``, ``host`` by default). Its value is the
    device's name, or, with ``device_variable`` set, the value of that
    variable of the device.

    **Variables:** the one ``device_variable`` names, if set (a dotted
    name such as ``nova.hypervisor_hostname`` reads a key of a JSON object
    variable); none otherwise.

    **Faults:** a device with no node-exporter target in Prometheus (no
    ``up`` series) is skipped, unless ``device_variable`` names it; a host
    whose target is down (``up`` 0) gets ``unknown`` readings with that
    reason. A Prometheus that cannot be reached, does not answer within
    ``timeout`` or answers an error makes the readings of every selected
    device ``unknown`` with one reason naming its URL; values already
    stored stay in the history. Every request gives up after ``timeout``
    seconds, and Prometheus is asked to give up its evaluation then too.
    """

    @classmethod
    def get_config_opts(cls):
        return [
            cfg.URIOpt('url', default='http://127.0.0.1:9090',
                       schemes=['http', 'https'],
                       secret=True,
                       help='Base URL of the Prometheus whose HTTP API is '
                            'queried (/api/v1/query is appended). A '
                            'user:password@ in it is sent as HTTP basic '
                            'authentication and never shown.'),
            plugin_base.timeout_opt(
                'Seconds to wait for each query (connecting, each read, and '
                'Prometheus\' own evaluation) before the readings are given '
                'up as unknown.', 10),
            cfg.StrOpt('host_label', default='host',
                       help='The label of node-exporter series that names '
                            'the host, e.g. host, instance or nodename.'),
            cfg.StrOpt('device_variable',
                       help='A device variable whose resolved value is the '
                            'host label\'s value for that device; a dotted '
                            'name (nova.hypervisor_hostname) reads a key of '
                            'a JSON object variable. Unset: the device '
                            'name.'),
            cfg.StrOpt('selector', default='',
                       help='Extra PromQL label matchers added to every '
                            'query, e.g. job="node".'),
            cfg.StrOpt('rate_window', default='5m',
                       help='Window of the rate() of CPU, disk I/O and '
                            'network counters, a Prometheus duration (at '
                            'least two scrape intervals), e.g. 2m or 5m.'),
            cfg.StrOpt('mountpoints', default='.*',
                       help='Regular expression (PromQL, anchored) of the '
                            'mount points reported, e.g. / for the root '
                            'file system only.'),
            cfg.StrOpt('fs_exclude_types',
                       default='tmpfs|devtmpfs|ramfs|overlay|squashfs|'
                               'nsfs|autofs|fuse.*|proc|sysfs',
                       help='Regular expression of file system types not '
                            'reported.'),
            cfg.StrOpt('disk_exclude_devices',
                       default='(ram|loop|fd|sr|zram|nbd)[0-9]+',
                       help='Regular expression of block devices whose I/O '
                            'time is not reported.'),
            cfg.StrOpt('network_exclude_devices',
                       default='lo|veth.*|tap.*|qvo.*|qvb.*|qbr.*|br-.*|'
                               'virbr.*|docker.*|ovs-system|ifb.*|vxlan.*|'
                               'genev_sys.*',
                       help='Regular expression of network interfaces left '
                            'out of the receive and transmit totals '
                            '(loopback, and virtual ones whose traffic '
                            'also crosses a physical interface).'),
        ]

    def __init__(self, options, params=None):
        super().__init__(options, params)
        label = self._opt('host_label', 'host')
        if not LABEL_RE.match(label or ''):
            raise exception.Invalid(
                '[collectors.prometheus] host_label',
                'not a Prometheus label name: %r' % (label,),
                'use letters, digits and _, not starting with a digit')
        window = self._opt('rate_window', '5m')
        if not DURATION_RE.match(window or ''):
            raise exception.Invalid(
                '[collectors.prometheus] rate_window',
                'not a Prometheus duration: %r' % (window,),
                'write e.g. 30s, 2m or 1h')
        self.label = label
        self.path = tuple((self._opt('device_variable', '') or '')
                          .split('.')) if self._opt('device_variable') \
            else ()
        #: The variable the mapping needs (the caller resolves it).
        self.variables = self.path[:1]

    def _opt(self, name, default=None):
        value = getattr(self.options, name, None)
        return default if value is None else value

    @property
    def url(self):
        return self._opt('url', 'http://127.0.0.1:9090')

    @property
    def timeout(self):
        return float(self._opt('timeout', 10))

    def _promql(self, template):
        extra = self._opt('selector', '').strip().strip(',')
        return template.format(
            H=self.label, W=self._opt('rate_window', '5m'),
            S=',' + extra if extra else '', s=extra,
            N=self._opt('network_exclude_devices', 'lo'),
            F=self._opt('fs_exclude_types', 'tmpfs'),
            M=self._opt('mountpoints', '.*'),
            D=self._opt('disk_exclude_devices', 'loop[0-9]+'))

    def _query(self, template):
        return prometheus_api.query(self.url, self._promql(template),
                                    self.timeout)

    def _host_of(self, dev):
        """The host label's value for ``dev``, or None."""
        if not self.path:
            return dev['name']
        value = (dev.get('variables') or {}).get(self.path[0])
        for key in self.path[1:]:
            value = value.get(key) if isinstance(value, dict) else None
        return str(value) if isinstance(value, (str, int)) and \
            value != '' else None

    def collect(self, devices):
        by_host = {}
        for dev in devices:
            host = self._host_of(dev)
            if host is not None:
                by_host.setdefault(host, []).append(dev['id'])
        try:
            up = {labels.get(self.label): value for labels, value in
                  self._query(UP_QUERY)}
        except prometheus_api.QueryError as exc:
            return self._give_up(by_host, str(exc))
        out = []
        live = {}
        for host, ids in sorted(by_host.items()):
            if host not in up:
                if self.path:
                    out.extend(_unknown(ids, HOST_METRICS, 'no target with '
                                        '%s="%s" in Prometheus'
                                        % (self.label, host)))
            elif up[host] != 1:
                out.extend(_unknown(ids, HOST_METRICS, 'node-exporter '
                                    'target of %s="%s" is down (up=0)'
                                    % (self.label, host)))
            else:
                live[host] = ids
        if not live:
            return out
        try:
            out.extend(self._host_readings(live))
        except prometheus_api.QueryError as exc:  # Prometheus went away
            return out + self._give_up(live, str(exc))
        for part in (self._filesystem_readings, self._disk_readings):
            try:
                out.extend(part(live))
            except prometheus_api.QueryError as exc:
                # Gone after the host figures: keep them, skip the rest.
                LOG.warning('prometheus collector: %s', exc)
                break
        return out

    def _give_up(self, by_host, reason):
        LOG.warning('prometheus collector: %s', reason)
        return [r for ids in by_host.values()
                for r in _unknown(ids, HOST_METRICS, reason)]

    def _series(self, template, live, keys=()):
        """``{(host, *keys): value}``; raises only on transport errors."""
        try:
            result = self._query(template)
        except prometheus_api.QueryError as exc:
            if exc.transport:
                raise
            return str(exc)
        out = {}
        for labels, value in result:
            host = labels.get(self.label)
            if host in live:
                out[(host,) + tuple(labels.get(k, '') for k in keys)] = value
        return out

    def _host_readings(self, live):
        out = []
        for metric, unit, template in HOST_QUERIES:
            values = self._series(template, live)
            for host, ids in live.items():
                if isinstance(values, str):
                    out.extend(_unknown(ids, (metric,), values))
                elif (host,) not in values:
                    out.extend(_unknown(ids, (metric,), 'Prometheus has no '
                                        'series for %s' % metric))
                else:
                    out.extend(_reading(i, metric, values[(host,)], unit)
                               for i in ids)
        return out

    def _filesystem_readings(self, live):
        avail, free, size = (
            self._series(FS_QUERY % kind, live, ('mountpoint',))
            for kind in ('avail', 'free', 'size'))
        failed = next((v for v in (avail, free, size) if isinstance(v, str)),
                      None)
        if failed:
            LOG.warning('prometheus collector: file systems: %s', failed)
            return []
        out = []
        for (host, mount), avail_bytes in sorted(avail.items()):
            key = (host, mount)
            name = 'filesystem.%s.' % _safe(mount)
            used = size[key] - free[key] if key in size and key in free \
                else None
            percent = 100.0 * used / (used + avail_bytes) \
                if used is not None and used + avail_bytes > 0 else None
            for i in live[host]:
                out.append(_reading(i, name + 'free_bytes', avail_bytes,
                                    'bytes'))
                out.append(_reading(i, name + 'used_bytes', used, 'bytes'))
                out.append(_reading(i, name + 'used_percent', percent,
                                    'percent'))
        return out

    def _disk_readings(self, live):
        values = self._series(DISK_QUERY, live, ('device',))
        if isinstance(values, str):
            LOG.warning('prometheus collector: disk I/O: %s', values)
            return []
        return [_reading(i, 'disk.%s.io_time_percent' % _safe(dev), value,
                         'percent')
                for (host, dev), value in sorted(values.items())
                for i in live[host]]


def _safe(name):
    """A mount point or device as a metric name part (``/`` is root)."""
    return _UNSAFE.sub('_', name.strip('/')).strip('_') or 'root'


def _reading(dev_id, metric, value, unit):
    if value is None:
        return Reading(dev_id, metric, None, unit=unit, status='unknown',
                       reason='not reported by Prometheus',
                       source='prometheus')
    return Reading(dev_id, metric, float(value), unit=unit,
                   source='prometheus')


def _unknown(ids, metrics, reason):
    return [Reading(i, metric, None, status='unknown', reason=reason,
                    source='prometheus') for i in ids for metric in metrics]
