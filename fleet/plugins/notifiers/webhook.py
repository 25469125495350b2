"""The ``webhook`` notifier: POST each event as JSON, HMAC-signed."""

import datetime
import hashlib
import hmac
import json
import uuid

from oslo_config import cfg

from fleet.common import exception
from fleet.plugins.notifiers import base

#: The header carrying ``sha256=<hex HMAC-SHA256 of the body>``.
SIGNATURE_HEADER = 'X-Fleet-Signature'


def sign(secret, body):
    """``sha256=<hex>``: the signature of ``body`` (bytes) with ``secret``
    (bytes), as the receiver recomputes it."""
    return 'sha256=' + hmac.new(secret, body, hashlib.sha256).hexdigest()


class WebhookNotifier(base.Notifier):
    """POST every event to ``url`` as one JSON document::

        {"event_type": "fleet.device.update", "message_id": "<event_id>",
         "timestamp": "<UTC ISO 8601>", "priority": "info",
         "project_id": null, "payload": {...}}

    The body is signed with HMAC-SHA256 under the secret read from
    ``secret_file``: header ``X-Fleet-Signature: sha256=<hex>``; also
    ``X-Fleet-Event`` (the event type) and ``X-Fleet-Delivery`` (the
    event's ``event_id``, the same on every retry so the receiver can drop
    duplicates). A 2xx answer is delivered; a connection failure, a
    timeout, 408, 429 or a 5xx is retried with backoff; any other answer
    is a refusal and the event is dropped. The secret is never logged.
    """

    @classmethod
    def get_config_opts(cls):
        return [
            cfg.URIOpt('url', schemes=['http', 'https'],
                       help='Where events are POSTed (required).'),
            cfg.StrOpt('secret_file',
                       help='File holding the HMAC-SHA256 signing secret '
                            '(required; surrounding whitespace is ignored). '
                            'Keep it readable by fleet only.'),
            cfg.FloatOpt('timeout', default=5.0, min=0.1,
                         help='Seconds one POST may take (connect and '
                              'answer).'),
            cfg.StrOpt('ca_file',
                       help='CA bundle to verify an https url with; '
                            'default the system store.'),
        ]

    def __init__(self, options, library_conf=None):
        super().__init__(options, library_conf=library_conf)
        if options is None or not options.url:
            raise exception.Invalid(
                '[notifiers.webhook] url', 'is not set',
                'set it to the URL events are POSTed to')
        if not options.secret_file:
            raise exception.Invalid(
                '[notifiers.webhook] secret_file', 'is not set',
                'point it at a file holding the signing secret')
        try:
            with open(options.secret_file, 'rb') as f:
                self._secret = f.read().strip()
        except OSError as exc:
            raise exception.Invalid(
                '[notifiers.webhook] secret_file',
                'cannot be read (%s)' % (exc.strerror or exc),
                'make %s readable by fleet' % options.secret_file)
        if not self._secret:
            raise exception.Invalid(
                '[notifiers.webhook] secret_file', 'is empty',
                'write the signing secret into %s' % options.secret_file)
        self.url = options.url
        self.timeout = options.timeout
        self._ssl = None
        if options.ca_file:
            import ssl
            self._ssl = ssl.create_default_context(cafile=options.ca_file)

    def body(self, event_type, payload, message_id):
        """The bytes POSTed for one event."""
        return json.dumps({
            'event_type': event_type, 'message_id': message_id,
            'timestamp': datetime.datetime.now(
                datetime.timezone.utc).isoformat(),
            'priority': base.priority(event_type, payload),
            'project_id': payload.get('project_id'),
            'payload': payload}, sort_keys=True, default=str).encode()

    def notify(self, event_type, payload):
        import urllib.error
        import urllib.request

        # The same on every retry of the event: receivers drop duplicates.
        message_id = payload.get('event_id') or str(uuid.uuid4())
        data = self.body(event_type, payload, message_id)
        headers = {'Content-Type': 'application/json',
                   'User-Agent': 'openstack-fleet',
                   'X-Fleet-Event': event_type,
                   'X-Fleet-Delivery': message_id,
                   SIGNATURE_HEADER: sign(self._secret, data)}
        request = urllib.request.Request(self.url, data=data, method='POST',
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout,
                                        context=self._ssl) as answer:
                answer.read(65536)
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code in (408, 429) or exc.code >= 500:
                raise self._unavailable('HTTP %d' % exc.code)
            raise WebhookRefused('%s answered HTTP %d'
                                 % (self.url, exc.code))
        except (OSError, ValueError) as exc:
            reason = getattr(exc, 'reason', None) or exc
            raise self._unavailable(str(reason) or type(exc).__name__)

    def _unavailable(self, reason):
        return exception.SourceUnavailable(
            kind='Notifier', source='webhook', service=self.url,
            reason=reason)


class WebhookRefused(Exception):
    """The webhook answered 4xx: the event will never be taken."""
