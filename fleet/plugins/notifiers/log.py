"""The ``log`` notifier: one log line per event (oslo.log / logging)."""

import json
import logging

from oslo_config import cfg

from fleet.plugins.notifiers import base

LOG = logging.getLogger('fleet.notifications.events')

LEVELS = {'info': logging.INFO, 'warn': logging.WARNING,
          'error': logging.ERROR}


class LogNotifier(base.Notifier):
    """Write each event as one line to fleet's log (logger
    ``fleet.notifications.events``) at the event's priority.

    The line is ``event <type> project=<id> <payload as JSON>``; values of
    keys that look like credentials (password, token, secret ...) are
    masked as oslo.utils masks them, on top of the change log's masking,
    and the line is cut at ``max_length`` characters.
    """

    @classmethod
    def get_config_opts(cls):
        return [
            cfg.IntOpt('max_length', default=2000, min=80,
                       help='Longest log line, in characters; a longer '
                            'payload is cut and ends with "...".'),
        ]

    def notify(self, event_type, payload):
        from oslo_utils import strutils

        safe = strutils.mask_dict_password(payload)
        text = json.dumps(safe, sort_keys=True, default=str,
                          separators=(',', ':'))
        line = 'event %s project=%s %s' % (
            event_type, payload.get('project_id') or '-', text)
        limit = self.options.max_length if self.options else 2000
        if len(line) > limit:
            line = line[:limit - 3] + '...'
        LOG.log(LEVELS[base.priority(event_type, payload)], '%s', line)
