"""The columns of every resource the commands print, in one registry.

As python-ironicclient's ``ironicclient/v1/resource_fields.py``: one table
of field keys and their headings (:data:`HEADINGS`), and per resource the
fields a list shows by default, with ``--long`` and in ``show``
(:class:`Resource`). ``--fields <field> ...`` picks any of the resource's
fields. Standard library only: every command module imports this.
"""

#: Field key (as the service layer returns it) -> column heading.
HEADINGS = {
    'id': 'ID', 'uuid': 'UUID', 'name': 'Name', 'type': 'Type',
    'role': 'Role', 'cloud': 'Cloud', 'region': 'Region', 'cell': 'Cell',
    'rack': 'Rack', 'parent': 'Parent', 'serial': 'Serial',
    'asset_tag': 'Asset Tag', 'mgmt_address': 'Mgmt Address',
    'labels': 'Labels', 'source': 'Source', 'missing': 'Missing',
    'last_seen': 'Last Seen', 'description': 'Description',
    'created_at': 'Created At', 'updated_at': 'Updated At',
    'label': 'Label', 'devices': 'Devices',
    # change log
    'request_id': 'Request ID', 'actor': 'Actor', 'action': 'Action',
    'object_type': 'Type', 'object_name': 'Name', 'field': 'Field',
    'old': 'Old', 'new': 'New', 'secret': 'Secret', 'reason': 'Reason',
    # telemetry readings
    'metric': 'Metric', 'value': 'Value', 'unit': 'Unit',
    'status': 'Status', 'threshold': 'Threshold', 'read_at': 'Read at',
    # alerts and silences
    'fingerprint': 'Fingerprint', 'state': 'State', 'severity': 'Severity',
    'device': 'Device', 'device_unknown': 'Device Unknown',
    'occurrences': 'Occurrences', 'received': 'Received',
    'returns': 'Returns', 'first_seen': 'First Seen',
    'starts_at': 'Starts At',
    'ends_at': 'Ends At', 'actionable': 'Actionable', 'held': 'Held',
    'flapping': 'Flapping', 'suppressed': 'Suppressed',
    'silence_id': 'Silence', 'acknowledged_by': 'Acknowledged By',
    'acknowledged_at': 'Acknowledged At', 'project_id': 'Project',
    'annotations': 'Annotations', 'generator_url': 'Generator URL',
    'matchers': 'Matchers', 'comment': 'Comment', 'created_by': 'Created By',
    'expires_at': 'Expires At', 'active': 'Active',
}
#: Headings that differ for one resource.
CHANGE_HEADINGS = {'created_at': 'Time'}


class Resource:
    """The columns of one resource.

    :param default: fields a list shows without options, in order.
    :param long: fields ``--long`` shows; default every field.
    :param fields: every field of the resource (``--fields`` choices and
        ``show``), in order.
    :param headings: headings overriding :data:`HEADINGS` for this
        resource.
    """

    def __init__(self, default, fields, long=None, headings=None):
        self.default = tuple(default)
        self.fields = tuple(fields)
        self.long = tuple(long or fields)
        self._headings = dict(HEADINGS, **(headings or {}))
        unknown = set(self.default + self.long) - set(self.fields)
        if unknown:
            raise ValueError('not fields of the resource: %s'
                             % ', '.join(sorted(unknown)))

    def heading(self, key):
        return self._headings[key]

    def columns(self, keys):
        """``[(key, heading)]`` for these field keys."""
        return [(k, self._headings[k]) for k in keys]

    def unknown(self, keys):
        """The keys that are not fields of this resource, in order."""
        return [k for k in keys if k not in self.fields]


_LEVEL = ('id', 'name', 'description', 'created_at', 'updated_at')

CLOUD = Resource(default=('name', 'description'), fields=_LEVEL)
REGION = Resource(default=('name', 'cloud', 'description'),
                  fields=('id', 'name', 'cloud') + _LEVEL[2:])
CELL = Resource(default=('name', 'region', 'description'),
                fields=('id', 'name', 'region') + _LEVEL[2:])
RACK = Resource(default=('name', 'region', 'cell', 'description'),
                fields=('id', 'name', 'region', 'cell') + _LEVEL[2:])

DEVICE = Resource(
    default=('name', 'type', 'role', 'region', 'cell', 'rack', 'missing'),
    long=('uuid', 'name', 'type', 'role', 'cloud', 'region', 'cell', 'rack',
          'parent', 'serial', 'asset_tag', 'mgmt_address', 'labels',
          'source', 'missing', 'last_seen'),
    fields=('uuid', 'name', 'type', 'role', 'cloud', 'region', 'cell',
            'rack', 'parent', 'serial', 'asset_tag', 'mgmt_address',
            'labels', 'source', 'missing', 'last_seen', 'created_at',
            'updated_at'))

#: Labels of all devices (with a count) and of one device.
LABEL = Resource(default=('label', 'devices'), fields=('label', 'devices'))
DEVICE_LABEL = Resource(default=('label',), fields=('label',))

CHANGE = Resource(
    default=('id', 'created_at', 'actor', 'action', 'object_type',
             'object_name', 'field', 'old', 'new', 'reason'),
    long=('id', 'created_at', 'actor', 'action', 'object_type',
          'object_name', 'field', 'old', 'new', 'reason', 'request_id',
          'secret'),
    fields=('id', 'request_id', 'created_at', 'actor', 'action',
            'object_type', 'object_name', 'field', 'old', 'new', 'secret',
            'reason'),
    headings=CHANGE_HEADINGS)

#: Latest readings (``metric list``); the device is its name.
METRIC = Resource(
    default=('name', 'metric', 'value', 'unit', 'status', 'read_at'),
    long=('name', 'metric', 'value', 'unit', 'status', 'read_at',
          'threshold', 'reason', 'source'),
    fields=('name', 'uuid', 'metric', 'value', 'unit', 'status', 'read_at',
            'threshold', 'reason', 'source'),
    headings={'name': 'Device', 'uuid': 'Device UUID'})

#: Rows of ``capacity report`` (fleet.api.capacity.rows.FIELDS).
CAPACITY = Resource(
    default=('kind', 'id', 'name', 'project_id', 'where', 'status', 'since',
             'detail'),
    long=('kind', 'id', 'name', 'project_id', 'where', 'status', 'since',
          'age', 'detail', 'resource_class', 'capacity', 'used', 'free',
          'free_percent'),
    fields=('kind', 'id', 'name', 'project_id', 'where', 'status', 'since',
            'age', 'detail', 'resource_class', 'capacity', 'used', 'free',
            'free_percent'),
    headings={'kind': 'Kind', 'project_id': 'Project', 'where': 'Where',
              'since': 'Since', 'age': 'Age (s)', 'detail': 'Detail',
              'resource_class': 'Resource Class', 'capacity': 'Capacity',
              'used': 'Used', 'free': 'Free', 'free_percent': 'Free %'})

#: Alerts (``alert list`` / ``alert show``); ``state`` is the lifecycle
#: state (fleet.api.alerts.state), ``status`` what the sender said.
ALERT = Resource(
    default=('id', 'name', 'state', 'severity', 'device', 'occurrences',
             'last_seen'),
    long=('id', 'name', 'state', 'status', 'severity', 'device',
          'device_unknown', 'source', 'occurrences', 'received', 'returns',
          'actionable', 'first_seen', 'last_seen', 'acknowledged_by',
          'silence_id', 'project_id', 'labels'),
    fields=('id', 'fingerprint', 'name', 'state', 'status', 'severity',
            'device', 'device_unknown', 'source', 'occurrences',
            'received', 'returns', 'actionable', 'held', 'flapping',
            'suppressed', 'silence_id', 'acknowledged_by',
            'acknowledged_at', 'project_id', 'first_seen', 'last_seen',
            'starts_at', 'ends_at', 'labels', 'annotations',
            'generator_url'))

#: The change-log rows of one alert (``alert history``).
ALERT_HISTORY = Resource(
    default=('id', 'created_at', 'actor', 'action', 'field', 'old', 'new',
             'reason'),
    fields=('id', 'created_at', 'actor', 'action', 'field', 'old', 'new',
            'reason', 'request_id'),
    headings=CHANGE_HEADINGS)

SILENCE = Resource(
    default=('id', 'matchers', 'expires_at', 'active', 'created_by',
             'comment'),
    fields=('id', 'matchers', 'comment', 'created_by', 'created_at',
            'expires_at', 'active'))

# -- audit -------------------------------------------------------------------
HEADINGS.update({
    'version': 'Version', 'rules': 'Rules', 'enabled_rules': 'Enabled',
    'checksum': 'Checksum', 'fingerprint': 'Fingerprint', 'rule': 'Rule',
    'policy': 'Policy', 'auditor': 'Auditor', 'subject': 'Subject',
    'severity': 'Severity', 'message': 'Message', 'observed': 'Observed',
    'expected': 'Expected', 'count': 'Count', 'first_seen': 'First seen',
    'resolved_at': 'Resolved at',
})

POLICY = Resource(
    default=('name', 'version', 'rules', 'enabled_rules', 'description'),
    long=('name', 'version', 'rules', 'enabled_rules', 'description',
          'source', 'updated_at'),
    fields=('name', 'version', 'rules', 'enabled_rules', 'description',
            'source', 'checksum', 'created_at', 'updated_at'))

FINDING = Resource(
    default=('id', 'severity', 'status', 'rule', 'subject', 'message',
             'last_seen'),
    long=('id', 'severity', 'status', 'rule', 'policy', 'auditor',
          'subject', 'message', 'observed', 'expected', 'count',
          'first_seen', 'last_seen', 'resolved_at'),
    fields=('id', 'fingerprint', 'severity', 'status', 'rule', 'policy',
            'auditor', 'subject', 'message', 'observed', 'expected',
            'count', 'first_seen', 'last_seen', 'resolved_at'),
    headings={'last_seen': 'Last seen'})

_REMEDIATION_HEADINGS = {
    'id': 'ID', 'device': 'Device', 'workflow': 'Workflow',
    'executor': 'Executor', 'input': 'Input', 'state': 'State',
    'holds_slot': 'Holds Slot', 'execution_id': 'Execution ID',
    'idempotency_key': 'Idempotency Key', 'output': 'Output',
    'error': 'Error', 'finished_at': 'Finished At', 'finding': 'Finding',
    'rule': 'Rule', 'policy': 'Policy', 'mode': 'Mode',
    'decided_by': 'Decided By', 'decided_reason': 'Decided Reason',
    'decided_at': 'Decided At', 'detail': 'Detail'}

#: Remediations (``remediation list|show|run``).
REMEDIATION = Resource(
    default=('id', 'device', 'workflow', 'state', 'holds_slot', 'actor',
             'created_at'),
    long=('id', 'device', 'workflow', 'executor', 'state', 'holds_slot',
          'execution_id', 'actor', 'reason', 'created_at', 'finished_at',
          'error', 'finding', 'rule', 'mode', 'expires_at', 'decided_by',
          'detail'),
    fields=('id', 'device', 'workflow', 'executor', 'input', 'state',
            'holds_slot', 'execution_id', 'idempotency_key', 'output',
            'error', 'actor', 'reason', 'created_at', 'updated_at',
            'finished_at', 'finding', 'rule', 'policy', 'mode',
            'expires_at', 'decided_by', 'decided_reason', 'decided_at',
            'detail'),
    headings=dict(_REMEDIATION_HEADINGS))

#: The resolver's decisions (``remediation resolve``).
DECISION = Resource(
    default=('finding', 'rule', 'device', 'mode', 'decision', 'state',
             'remediation', 'workflow', 'detail'),
    fields=('finding', 'rule', 'policy', 'device', 'mode', 'decision',
            'state', 'remediation', 'workflow', 'executor', 'input',
            'expires_at', 'detail'),
    headings=dict(_REMEDIATION_HEADINGS, remediation='Remediation',
                  decision='Decision'))

#: The trust ladder (``policy stats``).
POLICY_STATS = Resource(
    default=('policy', 'rule', 'mode', 'fired', 'approved', 'rejected',
             'succeeded', 'failed', 'escalated', 'median_time_to_resolve',
             'proposal'),
    fields=('policy', 'rule', 'mode', 'fired', 'approved', 'rejected',
            'succeeded', 'failed', 'escalated', 'median_time_to_resolve',
            'streak', 'proposal'),
    headings={'policy': 'Policy', 'rule': 'Rule', 'mode': 'Mode',
              'fired': 'Fired', 'approved': 'Approved',
              'rejected': 'Rejected', 'succeeded': 'Succeeded',
              'failed': 'Failed', 'escalated': 'Escalated',
              'median_time_to_resolve': 'Median Time To Resolve (s)',
              'streak': 'Streak', 'proposal': 'Proposal'})

#: Workflows of the known workbooks (``workbook list``).
WORKFLOW = Resource(
    default=('name', 'tags', 'input', 'description'),
    fields=('name', 'workbook', 'tags', 'input', 'description', 'path'),
    headings={'name': 'Workflow', 'workbook': 'Workbook', 'tags': 'Tags',
              'input': 'Input', 'path': 'Path'})
