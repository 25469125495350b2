"""The alert intake's counters (prometheus_client), served by fleet-api's
``/metrics``:

``fleet_alerts_accepted_total{source}``
    valid alerts taken in and stored (new or a receipt of a stored one);
``fleet_alerts_deduplicated_total{source}``
    of those, receipts of an alert already stored (counted, not created);
``fleet_alerts_rejected_total{source}``
    alerts rejected one by one (a bad field; the post's others stored);
``fleet_alert_posts_rejected_total{source}``
    posts rejected as a whole (not JSON, no ``alerts`` list, a wrong
    version, too many alerts): nothing of them stored.

``source`` is ``alertmanager``, ``generic``, ``ipmi`` or ``collector``.
Notifications a notifier never delivered are
``fleet_notifications_dropped_total{notifier,reason}``
(:mod:`fleet.api.notifications`). The counters live in a registry of their
own (:func:`registry`); under ``fleet-api`` (several gunicorn workers)
prometheus_client's multiprocess mode adds up every worker's
(:mod:`fleet.wsgi.metrics`). Counting costs a few increments per post.
"""

import threading

_METRICS = {}
_LOCK = threading.Lock()
SOURCES = ('alertmanager', 'generic', 'ipmi', 'collector')


def registry():
    """The counters' prometheus_client registry (made on first use, with
    every source at zero so that a scrape sees the series from the
    start)."""
    with _LOCK:
        if not _METRICS:
            import prometheus_client

            reg = prometheus_client.CollectorRegistry()
            for key, name, text in (
                    ('accepted', 'fleet_alerts_accepted',
                     'Valid alerts the intake stored (new or a receipt of '
                     'a stored alert).'),
                    ('deduplicated', 'fleet_alerts_deduplicated',
                     'Receipts of an alert already stored.'),
                    ('rejected', 'fleet_alerts_rejected',
                     'Alerts rejected one by one (a bad field).'),
                    ('posts_rejected', 'fleet_alert_posts_rejected',
                     'Alert posts rejected as a whole; nothing stored.')):
                counter = prometheus_client.Counter(name, text, ['source'],
                                                    registry=reg)
                for source in SOURCES:
                    counter.labels(source)
                _METRICS[key] = counter
            _METRICS['registry'] = reg
        return _METRICS['registry']


def _inc(key, source, amount):
    if amount:
        registry()
        _METRICS[key].labels(source).inc(amount)


def stored(accepted, deduplicated):
    """Count a committed post: ``{source: alerts stored}`` and, of those,
    ``{source: receipts of an alert already stored}``."""
    for source, amount in accepted.items():
        _inc('accepted', source, amount)
    for source, amount in deduplicated.items():
        _inc('deduplicated', source, amount)


def rejected(source, amount):
    """Count ``amount`` alerts of ``source`` rejected one by one."""
    _inc('rejected', source, amount)


def post_rejected(source):
    """Count one post of ``source`` rejected as a whole."""
    _inc('posts_rejected', source, 1)


def exposition():
    """These counters in the Prometheus text format (this process)."""
    from prometheus_client import exposition as text

    return text.generate_latest(registry()).decode('utf-8')
