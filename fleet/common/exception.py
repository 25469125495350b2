"""Errors of the service layer, with structured fields.

The service layer never names a CLI flag or command: an error carries what
is wrong as data (``field``, ``value``, ``where``, ``problem``, ``fix`` and
a ``hint`` key) and a caller-neutral message. Each caller renders it: the
CLI maps fields to its flags and hint keys to its commands
(:func:`fleet.cli.common.render_error`), the REST service to a JSON body
(:meth:`FleetError.to_dict`).

Every message names what is wrong and, where there is one, the fix. No
message ever holds a secret's value.
"""

#: Hint keys the service layer may attach; callers render them in their own
#: words (the CLI as commands to run, the REST API as links or text).
HINTS = {
    'create_cloud': 'create a cloud first',
    'create_region': 'create a region first',
    'list_devices': 'list the devices to see their names',
    'list_changes': 'list the change log to see its ids',
    'name_parent': 'name the enclosing level to choose',
    'db_upgrade': 'upgrade the database schema',
    'enable_plugin': 'add it to the enabled list of its kind',
    'create_secret_key': 'create the secret key file',
    'rotate_secret_key': 'rotate the secret key',
    'keep_secret': 'set it as a secret again, or say explicitly that it '
                   'is no longer secret',
}


class FleetError(Exception):
    """Base class; ``msg_fmt`` is filled from the keyword arguments.

    :ivar field: the input field at fault (service-layer name, e.g.
        ``region``, ``serial``, ``vars.ntp``), or None.
    :ivar value: the offending value when it is safe to show, or None.
    :ivar where: where in a larger input (``assets.yaml: devices[3]``).
    :ivar hint: a key of :data:`HINTS`, or None.
    """

    msg_fmt = 'An unknown fleet error occurred.'
    #: Short machine-readable kind, used as the JSON ``error`` member.
    code = 'error'

    def __init__(self, message=None, field=None, value=None, where=None,
                 hint=None, **kwargs):
        self.kwargs = kwargs
        self.field = field
        self.value = value
        self.where = where
        self.hint = hint
        if message is None:
            message = self.msg_fmt % kwargs
        super().__init__(message)

    @property
    def message(self):
        return str(self)

    def to_dict(self):
        """The error as a JSON-able dict (REST bodies, ``-f json``)."""
        body = {'error': self.code, 'message': self.message}
        for key in ('field', 'where', 'hint'):
            if getattr(self, key) is not None:
                body[key] = getattr(self, key)
        return body


class NotFound(FleetError):
    """No object of ``kind`` by that name (or key)."""

    msg_fmt = 'No %(kind)s %(key)s %(name)r%(in_)s.'
    code = 'not_found'

    def __init__(self, kind, name, in_='', hint=None, key='named',
                 field=None):
        super().__init__(None, field=field or kind, value=name, hint=hint,
                         kind=kind, name=name, in_=in_, key=key)
        self.kind = kind
        self.name = name


class Conflict(FleetError):
    """The request conflicts with the state of the inventory."""

    msg_fmt = '%(message)s'
    code = 'conflict'


class Ambiguous(Conflict):
    """A name matches in several places; ``field`` is what would choose."""

    code = 'ambiguous'

    def __init__(self, kind, name, choose_by):
        super().__init__(
            '%s %r exists in more than one %s; name the %s to choose.'
            % (kind, name, choose_by, choose_by), field=choose_by,
            hint='name_parent')
        self.kind = kind
        self.name = name


class Invalid(FleetError):
    """Bad input: names the field and says how to fix it."""

    code = 'invalid'

    def __init__(self, field, problem, fix=None, value=None, hint=None):
        msg = '%s: %s' % (field, problem)
        if fix:
            msg += '; %s' % fix
        super().__init__(msg, field=field, value=value, hint=hint)
        self.problem = problem
        self.fix = fix


class InvalidInput(FleetError):
    """A record of a larger input (a source's snapshot) is bad.

    ``where`` says which record (``assets.yaml: devices[3]``, ``ironic
    node 1be2...``); ``problem`` what is wrong and how to fix it.
    """

    code = 'invalid_input'

    def __init__(self, where, problem, field=None):
        super().__init__('%s: %s' % (where, problem), where=where,
                         field=field)
        self.problem = problem


class InvalidAssetFile(InvalidInput):
    """An asset file is malformed; ``where`` gives file and line/entry."""


class LockTimeout(Conflict):
    """Another writer held a lock longer than ``[database] lock_timeout``."""

    msg_fmt = ('Another writer held the %(name)s lock for more than '
               '%(timeout)g s; nothing was written. Try again, or raise '
               '[database] lock_timeout.')
    code = 'lock_timeout'

    def __init__(self, name, timeout):
        FleetError.__init__(self, None, field='lock', value=name, name=name,
                            timeout=timeout)


class SourceUnavailable(FleetError):
    """A plugin's peer (Ironic, Nova, Prometheus ...) cannot be used.

    ``kind`` says what the plugin is (``Inventory source``, ``Collector``).
    """

    msg_fmt = '%(kind)s %(source)s could not reach %(service)s: %(reason)s'
    code = 'source_unavailable'

    def __init__(self, message=None, kind='Inventory source', **kwargs):
        super().__init__(message, kind=kind, **kwargs)


class PluginNotEnabled(FleetError):
    msg_fmt = ('%(kind)s %(name)r is not enabled; enabled: %(enabled)s. '
               'Add it to %(option)s.')
    code = 'plugin_not_enabled'

    def __init__(self, kind, name, enabled, option='[inventory] '
                 'enabled_sources'):
        super().__init__(None, field=option, hint='enable_plugin',
                         kind=kind, name=name, enabled=enabled,
                         option=option)


class PluginLoadError(FleetError):
    """An enabled plugin could not be imported or constructed."""

    msg_fmt = '%(kind)s plugin %(name)r failed to load: %(reason)s'
    code = 'plugin_load_error'

    def __init__(self, kind, name, reason):
        super().__init__(None, kind=kind, name=name, reason=reason)
        self.kind = kind
        self.name = name
        self.reason = reason


class SecretKeyError(FleetError):
    """The secret key file is missing, unreadable or the wrong one.

    ``path`` is the key file; the message never holds a key or a value.
    """

    msg_fmt = '%(message)s'
    code = 'secret_key_error'

    def __init__(self, message, path=None, hint=None):
        super().__init__(message, field='key_file', hint=hint)
        self.path = path


class DatabaseUnavailable(FleetError):
    """The database cannot be reached; ``url`` has its password masked."""

    msg_fmt = 'Database %(url)s could not be reached: %(reason)s'
    code = 'database_unavailable'

    def __init__(self, url, reason):
        super().__init__(None, url=url, reason=reason)


class SchemaOutOfDate(FleetError):
    msg_fmt = ('The fleet database schema is at %(found)s, this code needs '
               '%(wanted)s: upgrade it ("fleet-manage db upgrade").')
    code = 'schema_out_of_date'


class InvalidPolicy(FleetError):
    """Policy files with mistakes; ``problems`` lists every one of them.

    Each problem is a :class:`fleet.api.audit.policyfile.Problem` (file,
    line, column, field, message). Nothing was loaded.
    """

    code = 'invalid_policy'

    def __init__(self, problems):
        problems = list(problems)
        first = problems[0] if problems else None
        super().__init__(
            '%d mistake%s in the policy files; nothing was loaded: %s' % (
                len(problems), '' if len(problems) == 1 else 's',
                '; '.join(map(str, problems[:3])) +
                (' ...' if len(problems) > 3 else '')),
            field=first.field if first else None,
            where='%s:%d:%d' % first[:3] if first else None)
        self.problems = problems

    def to_dict(self):
        body = super().to_dict()
        body['problems'] = [p._asdict() for p in self.problems]
        return body
