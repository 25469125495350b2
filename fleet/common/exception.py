"""Errors that reach the operator as one clear line.

Every message names what is wrong and, where there is one, the fix.
"""


class FleetError(Exception):
    """Base class; ``msg_fmt`` is filled from the keyword arguments."""

    msg_fmt = 'An unknown fleet error occurred.'

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            message = self.msg_fmt % kwargs
        super().__init__(message)


class NotFound(FleetError):
    msg_fmt = 'No %(kind)s %(key)s %(name)r%(where)s.'

    def __init__(self, kind, name, where='', hint='', key='named'):
        msg = self.msg_fmt % {'kind': kind, 'name': name, 'where': where,
                              'key': key}
        if hint:
            msg += ' ' + hint
        super().__init__(msg, kind=kind, name=name)


class Conflict(FleetError):
    msg_fmt = '%(message)s'


class Invalid(FleetError):
    """Bad input: names the field and says how to fix it."""

    def __init__(self, field, problem, fix=None):
        msg = '%s: %s' % (field, problem)
        if fix:
            msg += '; %s' % fix
        super().__init__(msg, field=field)


class InvalidAssetFile(FleetError):
    """An asset file is malformed; the message gives file, line/entry, fix."""

    def __init__(self, where, problem):
        super().__init__('%s: %s' % (where, problem))


class SourceUnavailable(FleetError):
    msg_fmt = ('Inventory source %(source)s could not reach %(service)s: '
               '%(reason)s')


class PluginNotEnabled(FleetError):
    msg_fmt = ('%(kind)s %(name)r is not enabled; enabled: %(enabled)s. '
               'Add it to [inventory] enabled_sources.')


class SchemaOutOfDate(FleetError):
    msg_fmt = ('The fleet database schema is at %(found)s, this code needs '
               '%(wanted)s: run "fleet-manage db upgrade".')
