"""Consume fleet's oslo.messaging notifications, one project's only.

``python3 notification_listener.py rabbit://guest:guest@127.0.0.1:5672/
[project_id]`` prints each event of topic ``notifications`` (every
priority); with a project id, only that project's events.
"""

import sys

from oslo_config import cfg
import oslo_messaging


class Endpoint:
    """Receives every priority; the filter keeps one project's events."""

    def __init__(self, project_id=None, out=print):
        self.out = out
        if project_id:
            # Filter on the notification context fleet sends.
            self.filter_rule = oslo_messaging.NotificationFilter(
                context={'project_id': '^%s$' % project_id})

    def _print(self, ctxt, publisher_id, event_type, payload, metadata):
        self.out(event_type, publisher_id, ctxt.get('project_id'),
                 payload.get('request_id'))

    audit = debug = info = warn = error = critical = sample = _print


def listener(url, project_id=None, topic='notifications',
             pool='fleet-example-consumer', out=print):
    """An oslo.messaging notification listener (call ``start()``).

    ``pool`` names this consumer's own queue: every pool gets every event,
    while listeners of one pool (or of none) share them out.
    """
    conf = cfg.ConfigOpts()
    conf([], project='fleet-consumer', default_config_files=[])
    transport = oslo_messaging.get_notification_transport(conf, url=url)
    return oslo_messaging.get_notification_listener(
        transport, [oslo_messaging.Target(topic=topic)],
        [Endpoint(project_id, out)], executor='threading', pool=pool)


if __name__ == '__main__':
    server = listener(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
    server.start()
    try:
        server.wait()
    except KeyboardInterrupt:
        server.stop()
        server.wait()
