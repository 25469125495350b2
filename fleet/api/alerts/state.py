"""An alert's lifecycle state, derived from its fields (no database).

``status`` is what the sender says (``firing`` or ``resolved``); beside it
an alert may be acknowledged (by whom, when), silenced (``silence_id`` of
an unexpired silence), held back under its repeat threshold, or flapping.
The one ``state`` shown and change-logged is the first that holds of:

``resolved`` > ``suppressed`` > ``flapping`` > ``acknowledged`` >
``held`` > ``firing``.

An alert is **actionable** (automation may act on it) only in state
``firing``.
"""

import json

STATES = ('firing', 'held', 'acknowledged', 'flapping', 'suppressed',
          'resolved')


def state(row, now=None, silence_active=None):
    """The state of a row (a dict of alert columns).

    :param silence_active: whether its silence is unexpired; None trusts
        ``silence_id`` (the intake sets it from unexpired silences only).
    """
    if row['status'] == 'resolved':
        return 'resolved'
    silenced = row['silence_id'] is not None if silence_active is None \
        else silence_active
    if silenced:
        return 'suppressed'
    if row['flapping']:
        return 'flapping'
    if row['acknowledged_by']:
        return 'acknowledged'
    if row['held']:
        return 'held'
    return 'firing'


def event_payload(row, current):
    """The event body of an alert (no secret: labels as sent)."""
    labels = row['labels']
    return {'id': row.get('id'), 'fingerprint': row['fingerprint'],
            'name': row['name'], 'status': row['status'], 'state': current,
            'actionable': current == 'firing',
            'severity': row['severity'], 'source': row['source'],
            'device_id': row['device_id'],
            'device_unknown': bool(row['device_unknown']),
            'project_id': row['project_id'],
            'occurrences': row['occurrences'],
            'labels': json.loads(labels) if isinstance(labels, str)
            else labels}
