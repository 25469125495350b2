"""Alerts raised in-process by ``fleet collect``: IPMI SEL entries and
collector threshold crossings, through the same intake as posted alerts.

- A reading whose status is ``warning`` or ``critical`` fires the alert
  ``ReadingThreshold`` with labels ``device``, ``metric`` and
  ``collector``; each sweep that finds it so is an occurrence (so a repeat
  threshold of 3 means three sweeps in a row within the window). The same
  metric read ``ok`` again resolves it; ``unknown`` readings change
  nothing.
- A new SEL entry of severity warning or critical fires ``IPMISelEvent``
  with labels ``device``, ``sensor``, ``sensor_type`` and ``event``; its
  deassertion (the condition went away) resolves it.
"""

from fleet.api.alerts import payloads

READING_ALERT = 'ReadingThreshold'
SEL_ALERT = 'IPMISelEvent'
FIRING = ('warning', 'critical')


def _incoming(name, status, severity, labels, annotations, source,
              device_id, starts_at=None, create=True):
    return payloads.Incoming(
        index=0, fingerprint=payloads.fingerprint(name, labels), name=name,
        status=status, severity=severity, labels=labels,
        annotations=annotations, source=source, starts_at=starts_at,
        device_id=device_id, create=create)


def from_readings(readings, names):
    """:class:`~fleet.api.alerts.payloads.Incoming` of a sweep's readings.

    :param names: ``{device id: device name}``.
    """
    out = []
    for r in readings:
        if r.status not in FIRING and r.status != 'ok':
            continue
        labels = {'device': names.get(r.device_id, str(r.device_id)),
                  'metric': r.metric, 'collector': r.source or 'unknown'}
        annotations = {}
        if r.status in FIRING:
            value = '' if r.value is None else '%g%s' % (
                r.value, ' ' + r.unit if r.unit else '')
            annotations['summary'] = '%s %s is %s %s' % (
                labels['device'], r.metric, r.status, value)
            if r.threshold:
                annotations['threshold'] = str(r.threshold)
        out.append(_incoming(
            READING_ALERT, 'firing' if r.status in FIRING else 'resolved',
            r.status if r.status in FIRING else 'info', labels,
            annotations, 'collector', r.device_id,
            create=r.status in FIRING))
    return out


def from_sel(events, names):
    """Incoming records of new IPMI SEL entries."""
    out = []
    for e in events:
        if e.severity not in FIRING and not e.deassertion:
            continue
        labels = {'device': names.get(e.device_id, str(e.device_id)),
                  'event': e.event[:1024]}
        for key in ('sensor', 'sensor_type'):
            value = getattr(e, key)
            if value:
                labels[key] = str(value)[:1024]
        out.append(_incoming(
            SEL_ALERT, 'resolved' if e.deassertion else 'firing',
            e.severity if e.severity in FIRING else 'info', labels,
            {'summary': '%s: %s %s' % (labels['device'],
                                       labels.get('sensor', ''), e.event),
             'record_id': str(e.record_id)},
            getattr(e, 'source', None) or 'ipmi', e.device_id,
            starts_at=e.time, create=not e.deassertion))
    return out
