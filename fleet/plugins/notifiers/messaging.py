"""The ``messaging`` notifier: oslo.messaging notifications (RabbitMQ).

Events go out as every OpenStack service's notifications do: message
format 2.0 (``messagingv2``), on the topics ``<topic>.<priority>``
(``notifications.info``), with the event type (``fleet.alert.create``),
``publisher_id`` ``fleet.<host>`` and a context holding the event's
``project_id``, ``request_id`` and actor, so a tenant-facing consumer
(an oslo.messaging notification listener, Ceilometer, Mistral's event
triggers) can filter on the project.

oslo.messaging's ``Notifier`` logs a failed send and swallows it; fleet
must know, to retry and to count, so the message is built as the Notifier
builds it and sent with the notification transport's send, which raises
(``MessageDeliveryFailure``) once ``retry`` reconnection attempts failed.
"""

import datetime
import logging
import socket
import uuid

from oslo_config import cfg

from fleet.common import exception
from fleet.plugins.notifiers import base


class MessagingNotifier(base.Notifier):
    """Publish events as oslo.messaging notifications.

    The transport is ``transport_url`` of this group, else oslo.messaging's
    own ``[oslo_messaging_notifications] transport_url``, else
    ``[DEFAULT] transport_url`` (``rabbit://user:pass@host:5672/vhost``);
    oslo.messaging's ``[oslo_messaging_rabbit]`` options apply.
    """

    @classmethod
    def get_config_opts(cls):
        return [
            cfg.StrOpt('transport_url', secret=True,
                       help='oslo.messaging transport URL of the bus events '
                            'go to; default [oslo_messaging_notifications] '
                            'transport_url, then [DEFAULT] transport_url.'),
            cfg.ListOpt('topics', default=['notifications'],
                        help='Topics to publish on; consumers listen on '
                             '<topic>.<priority> (notifications.info).'),
            cfg.HostnameOpt('host', default=socket.gethostname(),
                            sample_default='<hostname>',
                            help='Host part of the publisher_id, '
                                 'fleet.<host>.'),
            cfg.IntOpt('retry', default=1, min=0,
                       help='Reconnection attempts of one send before fleet '
                            'counts it failed and retries it later with '
                            'backoff ([notifications] max_retries).'),
        ]

    def __init__(self, options, library_conf=None):
        super().__init__(options, library_conf=library_conf)
        oslo_messaging = _import_oslo_messaging()

        conf = library_conf
        if conf is None:
            conf = cfg.ConfigOpts()
            conf([], project='fleet', default_config_files=[])
        self.publisher_id = 'fleet.%s' % options.host
        self.topics = list(options.topics)
        self.retry = options.retry
        self._transport = oslo_messaging.get_notification_transport(
            conf, url=options.transport_url or None)
        self._target = oslo_messaging.Target

    def message(self, event_type, payload):
        """The notification message (format 2.0 body) for one event."""
        return {'message_id': payload.get('event_id') or str(uuid.uuid4()),
                'publisher_id': self.publisher_id,
                'event_type': event_type,
                'priority': base.priority(event_type, payload).upper(),
                'payload': payload,
                'timestamp': str(datetime.datetime.now(
                    datetime.timezone.utc).replace(tzinfo=None))}

    @staticmethod
    def context(payload):
        """The notification context: who the event concerns."""
        return {'project_id': payload.get('project_id'),
                'request_id': payload.get('request_id'),
                'user_name': payload.get('actor')}

    def notify(self, event_type, payload):
        message = self.message(event_type, payload)
        priority = message['priority'].lower()
        ctxt = self.context(payload)
        for topic in self.topics:
            target = self._target(topic='%s.%s' % (topic, priority))
            try:
                # The send oslo.messaging's messagingv2 driver makes, but
                # raising (see the module docstring).
                self._transport._send_notification(
                    target, ctxt, message, version=2.0, retry=self.retry)
            except Exception as exc:  # noqa: BLE001 - any send failure
                raise exception.SourceUnavailable(
                    kind='Notifier', source='messaging',
                    service='the message bus (topic %s)' % target.topic,
                    reason=_one_line(exc))

    def close(self):
        self._transport.cleanup()


def _import_oslo_messaging():
    """Import oslo.messaging without its start-up noise on the console.

    Importing it imports oslo.service, which loads its (eventlet) backend,
    logs that at INFO, and eventlet warns that it is deprecated (then and
    when the rabbit driver loads): not something to print on every CLI
    command. Only that logger and that one warning are quietened, for the
    process; nothing is monkey-patched.
    """
    import warnings

    logging.getLogger('oslo_service.backend').setLevel(logging.WARNING)
    warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
    import oslo_messaging
    return oslo_messaging


def _one_line(exc):
    lines = str(exc).strip().splitlines()
    return '%s: %s' % (type(exc).__name__, lines[0]) if lines else \
        type(exc).__name__
