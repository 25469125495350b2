"""The ``ironic`` collector: Ironic's sensor-data notifications.

For clouds where Ironic already polls the BMCs
(``[sensor_data] send_sensor_data = true``), this collector reads what
Ironic publishes on the message bus instead of polling the BMCs a second
time, as Ceilometer and ironic-prometheus-exporter do. Parsing is in
:mod:`.ironic_payload`.
"""

import logging
import re
import socket
import threading
import time
import warnings

from oslo_config import cfg

from fleet.common import exception
from fleet.common import readings as readings_mod
from fleet.plugins.collectors import base
from fleet.plugins.collectors import ironic_payload as parse

LOG = logging.getLogger(__name__)

#: Event types of node sensor data (``hardware.ipmi.metrics`` ...).
SENSOR_EVENTS = r'^hardware\.[A-Za-z0-9_-]+\.metrics(\.update)?$'


class Drain(list):
    """The readings of one collect (a list), and what was skipped.

    :ivar notifications: sensor-data notifications received.
    :ivar bad: ``{reason: count}`` of notifications (or sensors) that
        could not be read and were skipped.
    :ivar unmapped: node uuids that match no selected fleet device.
    :ivar ignored: notifications of other event types (``ironic.metrics``
        of the conductor itself ...).
    :ivar failures: ``{device_id: reason}``, always empty: a device Ironic
        sent nothing about is not read, and not failed.
    :ivar elapsed: seconds the collect listened.
    """

    def __init__(self):
        super().__init__()
        self.notifications = 0
        self.bad = {}
        self.unmapped = set()
        self.ignored = 0
        self.failures = {}
        self.events = []
        self.elapsed = 0.0

    def count_bad(self, reason):
        self.bad[reason] = self.bad.get(reason, 0) + 1

    @property
    def bad_count(self):
        return sum(self.bad.values())


class IronicCollector(base.Collector):
    """Sensor readings that Ironic sends as notifications.

    Ironic (``[sensor_data] send_sensor_data = true``, with
    ``[oslo_messaging_notifications] driver = messagingv2`` on a RabbitMQ
    transport) sends one ``hardware.<driver>.metrics`` notification per
    node every ``[sensor_data] interval`` seconds. This collector listens
    on the ``topic`` of the ``exchange`` with its own listener ``pool``, so
    Ceilometer or ironic-prometheus-exporter listening on the same bus
    still get every message. The pool's queue stays on the broker between
    collects and keeps what arrives meanwhile: a collect reads that
    backlog (or, when nothing is queued, listens up to ``wait`` seconds
    for a round), ends ``settle`` seconds after the last arrival
    (``max_wait`` at most), and keeps the newest value per node and
    sensor. This fits ``fleet collect``'s one-shot sweep: each run costs
    about ``settle`` seconds when Ironic sent something since the last
    run. Bound the pool's queue on the broker (a ``max-length`` policy)
    where nothing may collect for long.

    Readings (source ``ironic``) are named as the ``ipmi`` collector names
    them (``temperature.cpu_temp``, ``fan.fan_1``, ``voltage.12v``; the
    ``sensor_id`` label keeps Ironic's sensor id), with the unit of
    ``Sensor Reading`` and the status ipmitool gave (``cr``/``nr``
    critical, ``nc`` warning). Sensors reading ``Disabled`` are skipped.
    A node is mapped to the fleet device that carries its uuid (devices
    synced from Ironic do). A notification that is not sensor data fleet
    can read is counted, logged in one line and skipped; it never stops
    the collect. Only the devices of the selection get readings; a device
    Ironic sent nothing about gets none.
    """

    #: The Ironic facts of a device hold its node uuid (``ironic.uuid``).
    variables = ('ironic',)

    @classmethod
    def get_config_opts(cls):
        return [
            cfg.StrOpt('transport_url', secret=True,
                       help='oslo.messaging URL of the bus Ironic sends its '
                            'notifications to, as in Ironic\'s '
                            '[oslo_messaging_notifications] transport_url '
                            '(rabbit://user:password@host:5672/vhost).'),
            cfg.StrOpt('exchange', default='ironic',
                       help='Exchange Ironic publishes on (its '
                            'control_exchange).'),
            cfg.StrOpt('topic', default='notifications',
                       help='Notification topic, as in Ironic\'s '
                            '[oslo_messaging_notifications] topics.'),
            cfg.StrOpt('pool', default='fleet',
                       help='Listener pool: fleet\'s own queue on the '
                            'topic, so other consumers still get every '
                            'notification.'),
            cfg.FloatOpt('wait', default=2.0, min=0.1,
                         help='Seconds a collect listens for the first '
                              'notification when none is queued (set it '
                              'above Ironic\'s [sensor_data] interval to '
                              'always wait for a fresh round).'),
            cfg.FloatOpt('settle', default=2.0, min=0.1,
                         help='Once notifications arrive, the collect '
                              'ends when none came for this many seconds '
                              '(Ironic sends a round as one burst).'),
            cfg.FloatOpt('max_wait', default=30.0, min=0.1,
                         help='The longest a collect listens, in seconds.'),
            cfg.FloatOpt('connect_timeout', default=5.0, min=0.1,
                         help='Seconds to reach the message bus before '
                              'the collect reports it unavailable.'),
        ]

    def __init__(self, options=None, params=None):
        super().__init__(options, params)
        opt = (lambda k, d: getattr(options, k, d) if options is not None
               else d)
        self.transport_url = opt('transport_url', None)
        self.exchange = opt('exchange', 'ironic')
        self.topic = opt('topic', 'notifications')
        self.pool = opt('pool', 'fleet')
        self.wait = opt('wait', 2.0)
        self.settle = opt('settle', 2.0)
        self.max_wait = opt('max_wait', 30.0)
        self.connect_timeout = opt('connect_timeout', 5.0)

    def _unavailable(self, reason):
        return exception.SourceUnavailable(
            kind='Collector', source='ironic', service='the message bus',
            reason=reason)

    def _check_bus(self, messaging, conf):
        """Fail fast (oslo.messaging retries forever) when the bus is down."""
        if not self.transport_url:
            raise self._unavailable(
                'no [collectors.ironic] transport_url set (the bus Ironic '
                'sends sensor notifications to)')
        try:
            url = messaging.TransportURL.parse(conf, self.transport_url)
        except Exception as exc:  # noqa: BLE001 - a bad URL, one line
            raise self._unavailable('[collectors.ironic] transport_url is '
                                    'not a valid URL (%s)'
                                    % type(exc).__name__)
        last = 'no host in the URL'
        for host in url.hosts or ():
            where = '%s:%s' % (host.hostname, host.port or 5672)
            try:
                socket.create_connection(
                    (host.hostname, host.port or 5672),
                    timeout=self.connect_timeout).close()
                return
            except OSError as exc:
                last = '%s: %s' % (where, exc.strerror or exc)
        raise self._unavailable(last)

    def collect(self, devices):
        """Drain the sensor notifications and map them to ``devices``.

        :returns: a :class:`Drain` (a list of readings).
        :raises fleet.common.exception.SourceUnavailable: the message bus
            cannot be reached or no transport URL is set.
        """
        with warnings.catch_warnings():
            # eventlet, pulled in by oslo.messaging, warns on import.
            warnings.simplefilter('ignore')
            import oslo_messaging as messaging

        started = time.monotonic()
        conf = cfg.ConfigOpts()
        conf([], project='fleet-ironic-collector',
             default_config_files=[], default_config_dirs=[])
        self._check_bus(messaging, conf)
        by_uuid = _device_index(devices)
        endpoint = _Endpoint()
        transport = messaging.get_notification_transport(
            conf, url=self.transport_url)
        listener = messaging.get_notification_listener(
            transport, [messaging.Target(topic=self.topic,
                                         exchange=self.exchange)],
            [endpoint], executor='threading', pool=self.pool)
        try:
            listener.start()
            endpoint.wait_quiet(started + self.wait, self.settle,
                                started + self.max_wait)
        finally:
            listener.stop()
            listener.wait()
            transport.cleanup()
        drain = self._readings(endpoint, by_uuid)
        drain.elapsed = time.monotonic() - started
        if drain.bad:
            reasons = '; '.join('%s (%d)' % kv
                                for kv in sorted(drain.bad.items()))
            LOG.warning('ironic: skipped %d unreadable sensor notification(s)'
                        ' or sensor(s): %s', drain.bad_count, reasons)
        return drain

    def _readings(self, endpoint, by_uuid):
        drain = Drain()
        latest = {}
        with endpoint.lock:
            received, drain.ignored = list(endpoint.received), endpoint.ignored
        for payload in received:
            drain.notifications += 1
            try:
                uuid = parse.node_uuid(payload)
                found, skipped = parse.sensors(payload)
            except parse.BadPayload as exc:
                drain.count_bad(str(exc))
                continue
            for reason in skipped:
                drain.count_bad(reason)
            device_id = by_uuid.get(uuid)
            if device_id is None:
                drain.unmapped.add(uuid)
                continue
            when = parse.read_time(payload)
            for metric, value, unit, status, threshold, labels in found:
                latest[(device_id, metric)] = readings_mod.Reading(
                    device_id, metric, value, unit, status,
                    threshold=threshold, source='ironic', read_at=when,
                    labels=dict(labels, node_uuid=uuid))
        drain.extend(latest.values())
        return drain


class _Endpoint:
    """oslo.messaging notification endpoint: keeps the sensor payloads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        self.received = []
        self.ignored = 0
        self.last = None

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        with self.lock:
            self.last = time.monotonic()
            if isinstance(event_type, str) and \
                    re.match(SENSOR_EVENTS, event_type):
                self.received.append(payload)
            else:
                self.ignored += 1
            self.arrived.notify_all()
        return None     # handled: acknowledged

    def wait_quiet(self, first_by, settle, deadline):
        """Wait for the notifications of one drain (monotonic times).

        Returns at ``first_by`` if nothing arrived, ``settle`` seconds
        after the last arrival otherwise, and at ``deadline`` at the
        latest.
        """
        with self.lock:
            self.last = None
            while True:
                now = time.monotonic()
                until = first_by if self.last is None else \
                    self.last + settle
                until = min(until, deadline)
                if now >= until:
                    return
                self.arrived.wait(until - now)


def _device_index(devices):
    """``{node uuid: device id}``: the device uuid and its Ironic facts."""
    index = {}
    for device in devices:
        facts = (device.get('variables') or {}).get('ironic')
        uuid = facts.get('uuid') if isinstance(facts, dict) else None
        for key in (device.get('uuid'), uuid):
            if isinstance(key, str) and key:
                index.setdefault(key, device['id'])
    return index
