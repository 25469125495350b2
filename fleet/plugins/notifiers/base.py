"""The notifier interface: publish fleet events."""

import abc

from fleet.plugins import base


class Notifier(base.Plugin):
    """Base class of notifiers (``fleet.notifiers`` entry points).

    Enabled by ``[notifications] enabled_notifiers``; options in
    ``[notifiers.<name>]``, handed to the constructor as ``options``.

    fleet calls :meth:`notify` from one background thread per notifier
    (:mod:`fleet.api.notify_worker`), never from the caller that committed:
    a notifier may block on its target up to its own timeout. It retries
    nothing itself; the worker retries an event on
    :class:`~fleet.common.exception.SourceUnavailable` with backoff
    (``[notifications] max_retries``, ``retry_interval``) and drops it on
    any other exception.

    :param options: the plugin's ``[notifiers.<name>]`` group.
    :param library_conf: the whole ConfigOpts, only for a library that reads
        its own groups (oslo.messaging's ``[DEFAULT] transport_url`` and
        ``[oslo_messaging_rabbit]``); a notifier reads no other fleet group.
    """

    def __init__(self, options, library_conf=None):
        super().__init__(options)
        self.library_conf = library_conf

    @abc.abstractmethod
    def notify(self, event_type, payload):
        """Publish one event.

        :param event_type: OpenStack-style event name, e.g.
            ``fleet.device.update`` (catalogue: :mod:`fleet.api.events`).
        :param payload: a JSON-able dict; it never holds a secret's value.
            It always has ``event_id`` (the same on a retry), ``project_id``
            (None for a fleet-wide event),
            ``request_id``, ``actor`` and ``timestamp``.
        :raises fleet.common.exception.SourceUnavailable: the target cannot
            be reached or failed for now (the caller retries with backoff).
        :raises Exception: any other one means the target refused the event
            for good (it is dropped and counted, not retried).
        """

    def close(self):
        """Release connections; called once when fleet stops notifying."""


def priority(event_type, payload):
    """``info``, ``warn`` or ``error`` for an event (oslo.messaging's
    priorities, also logged by the ``log`` notifier).

    An event with a ``severity`` (alerts, findings) maps it: critical or
    error -> ``error``, warning -> ``warn``; an alert that resolves is
    ``info``. Every other event is ``info``.
    """
    if event_type.endswith('.resolve'):
        return 'info'
    severity = str(payload.get('severity') or '').lower()
    if severity in ('critical', 'error', 'major', 'fatal'):
        return 'error'
    if severity in ('warning', 'warn', 'minor'):
        return 'warn'
    return 'info'
