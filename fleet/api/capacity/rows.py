"""Rows of the capacity report and the times they carry (stdlib only).

Every section returns rows of one shape (:func:`row`) so that the CLI, the
REST API and audits read them alike: ``kind``, ``id``, ``name``,
``project_id`` (the owner to ask before reclaiming; None for hypervisors
and headroom), ``where`` (host, network, availability zone ...),
``status``, ``since`` (ISO time the status was last changed, UTC),
``age`` (seconds since then), ``detail`` (one line for people), and for
headroom ``resource_class``, ``capacity``, ``used``, ``free``,
``free_percent``.
"""

import datetime

#: Every field of a row, in output order.
FIELDS = ('kind', 'id', 'name', 'project_id', 'where', 'status', 'since',
          'age', 'detail', 'resource_class', 'capacity', 'used', 'free',
          'free_percent')
#: The kinds of rows, in report order.
KINDS = ('instance', 'hypervisor', 'headroom', 'floating_ip', 'port',
         'volume')


def row(kind, id, name=None, project_id=None, where=None, status=None,
        since=None, age=None, detail=None, **extra):
    """A report row; ``extra`` sets the headroom fields."""
    out = dict.fromkeys(FIELDS)
    out.update(kind=kind, id=id, name=name, project_id=project_id,
               where=where, status=status,
               since=since.isoformat() + 'Z' if since else None,
               age=None if age is None else int(age), detail=detail)
    out.update(extra)
    return out


def utcnow():
    """Naive UTC now, as the services' timestamps are compared."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def parse_time(text):
    """A service's timestamp as naive UTC, or None when absent or bad.

    Nova and Neutron write ``2026-12-01T10:18:49Z``, Cinder
    ``2026-12-01T10:20:30.000000`` (UTC without a zone).
    """
    if not text:
        return None
    if isinstance(text, datetime.datetime):
        stamp = text
    else:
        try:
            stamp = datetime.datetime.fromisoformat(
                str(text).replace('Z', '+00:00'))
        except ValueError:
            return None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return stamp


def age_of(since, now):
    """Seconds from ``since`` to ``now`` (0 for a future time), or None."""
    if since is None:
        return None
    return max(0.0, (now - since).total_seconds())


def changed(resource, now):
    """``(since, age)`` of an OpenStack resource: when it last changed
    (``updated_at``, else ``created_at``) and the seconds from then to
    ``now`` (:func:`age_of`)."""
    since = parse_time(resource.updated_at or resource.created_at)
    return since, age_of(since, now)
