"""The notifier interface: publish fleet events."""

import abc

from fleet.plugins import base


class Notifier(base.Plugin):
    """Base class of notifiers (``fleet.notifiers`` entry points).

    Enabled by ``[notifications] enabled_notifiers``; options in
    ``[notifiers.<name>]``, handed to the constructor as ``options``.
    """

    @abc.abstractmethod
    def notify(self, event_type, payload):
        """Publish one event.

        :param event_type: OpenStack-style event name, e.g.
            ``fleet.device.update``.
        :param payload: a JSON-able dict; it never holds a secret's value.
        :raises fleet.common.exception.SourceUnavailable: the target cannot
            be reached (the caller queues and retries).
        """
