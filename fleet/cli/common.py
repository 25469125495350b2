"""Shared pieces of the fleet commands: configuration, the Fleet handle,
base classes and options; error rendering (:mod:`fleet.cli.errors`) and
output formatting (:mod:`fleet.cli.output`) are re-exported here.

Imported by every command module, so it stays light: cliff, osc-lib's
exceptions and the standard library at module level; oslo.config, the
service layer and SQLAlchemy only when a command runs.
"""

import contextlib
import gc
import os

from cliff import command
from cliff import lister
from cliff import show
from osc_lib import exceptions as osc_exc

from fleet.cli import errors
from fleet.cli import output

#: Read when they exist, before any file named on the command line.
DEFAULT_CONFIG_FILES = ('/etc/fleet/fleet.conf', '~/.config/fleet/fleet.conf')
#: A configuration file named in the environment (both entry points).
CONFIG_FILE_ENV = 'FLEET_CONFIG_FILE'
ACTOR_ENV = 'FLEET_ACTOR'


def config_files(extra=()):
    """Default configuration files that exist, then ``extra`` (later wins).

    :raises osc_lib.exceptions.CommandError: a file in ``extra`` is missing.
    """
    files = [p for p in (os.path.expanduser(f) for f in DEFAULT_CONFIG_FILES)
             if os.path.isfile(p)]
    for path in extra or ():
        if not os.path.isfile(path):
            raise osc_exc.CommandError(
                'Configuration file %s not found; check --config-file or %s.'
                % (path, CONFIG_FILE_ENV))
        files.append(path)
    return files


def load_conf(extra_files=()):
    """Parse the fleet configuration (oslo.config) and return CONF."""
    from oslo_config import cfg

    from fleet.conf import CONF

    from fleet import conf

    try:
        CONF(args=[], project='fleet', default_config_files=config_files(
            extra_files), default_config_dirs=[])
    except cfg.Error as exc:
        raise osc_exc.CommandError('Bad fleet configuration: %s' % exc)
    conf.setup_logging(CONF)
    return CONF


_START_UP = [0]


@contextlib.contextmanager
def start_up():
    """Run a command's set-up (imports, configuration, connecting) without
    the cyclic garbage collector, then freeze what it made.

    Imports make tens of thousands of objects that live as long as the
    process; collecting while they are made rescans them over and over
    (tens of milliseconds of a command's start-up). :func:`gc.freeze` moves
    them out of the collector's sight; the collector is on again for the
    command's own work. The ``fleet`` console script turns the collector
    off from its first import (:mod:`fleet.cli.shell`).
    """
    _START_UP[0] += 1
    gc.disable()
    try:
        yield
    finally:
        _START_UP[0] -= 1
        if not _START_UP[0]:
            gc.freeze()
            gc.enable()


class FleetClient:
    """A lazy handle on the fleet service layer.

    Nothing is parsed or opened until a command first uses it; then the
    configuration is parsed once and :func:`fleet.api.connect` is called
    once. Attribute access is passed on to the :class:`fleet.api.Fleet`
    (``client.devices.list()``).
    """

    def __init__(self, config_files=(), actor=None):
        # The actor of --actor / $FLEET_ACTOR; default [DEFAULT] actor.
        self._config_files = list(config_files or ())
        self._actor = actor
        self._conf = None
        self._fleet = None

    @property
    def conf(self):
        if self._conf is None:
            with start_up():
                self._conf = load_conf(self._config_files)
        return self._conf

    @property
    def fleet(self):
        if self._fleet is None:
            with start_up():
                from fleet import api
                conf = self.conf
                self._fleet = api.connect(conf=conf)
        return self._fleet

    def context(self, parsed_args=None):
        """The request context of one command run.

        The actor is ``--actor`` / ``$FLEET_ACTOR`` or ``[DEFAULT] actor``;
        ``--reason`` and ``--dry-run`` come from the command's arguments.
        """
        with start_up():
            from fleet.api import context

            return context.RequestContext(
                actor=self._actor or self.conf.actor,
                reason=getattr(parsed_args, 'reason', None),
                dry_run=bool(getattr(parsed_args, 'dry_run', False)))

    def __getattr__(self, name):
        if name.startswith('_'):
            raise AttributeError(name)
        return getattr(self.fleet, name)


def client(app):
    """The :class:`FleetClient` of the running app (standalone or OSC)."""
    found = getattr(app, 'fleet_client', None)
    if found is None:
        found = app.client_manager.fleet
    return found


def get_fleet(app):
    """The :class:`fleet.api.Fleet` of the running app."""
    return client(app).fleet


def os_cloud(app):
    """The cloud named by ``--os-cloud`` (OSC or standalone), or None."""
    options = getattr(app, 'options', None)
    return (getattr(options, 'os_cloud', None) or
            getattr(options, 'cloud', None) or None)


def connection_factory(app):
    """A zero-argument callable returning an openstacksdk Connection.

    openstacksdk is imported only when a source calls it. Under OSC the
    cloud comes from OSC's own configuration with all its global options
    (``--os-cloud``, ``--os-auth-url`` ...), as OSC itself builds it;
    standalone, from ``--os-cloud`` (default ``$OS_CLOUD``); with neither,
    openstacksdk's environment defaults apply.
    """
    cloud = os_cloud(app)
    osc_config = getattr(app, 'cloud_config', None)

    def connect():
        if osc_config is not None:
            from openstack import connection
            region = osc_config.get_one(cloud=cloud, argparse=app.options,
                                        validate=True)
            return connection.Connection(config=region)
        import openstack
        return openstack.connect(cloud=cloud)
    return connect


# -- errors ---------------------------------------------------------------
# Rendering lives in fleet.cli.errors; these names stay here for commands.
FIELD_FLAGS = errors.FIELD_FLAGS
HINT_TEXT = errors.HINT_TEXT
flag = errors.flag
render_error = errors.render_error


class _RendersErrors:
    """Turn service-layer errors into one-line CommandErrors."""

    auth_required = False

    def ctx(self, parsed_args):
        """The request context for this run (actor, reason, dry run)."""
        return client(self.app).context(parsed_args)

    def run(self, parsed_args):
        from fleet.common import exception

        try:
            return super().run(parsed_args)
        except exception.FleetError as exc:
            raise osc_exc.CommandError(render_error(exc)) from exc


# -- base classes ----------------------------------------------------------
#: The line cliff adds to a plugin command's help under OpenStackClient.
PLUGIN_EPILOG = 'This command is provided by the openstack-fleet plugin.'


class _Epilog:
    """cliff's command epilog, without its cost.

    cliff finds which distribution provides the command and the app with
    ``importlib.metadata.packages_distributions()``, a scan of every
    installed distribution's file list (about 35 ms of every run, help or
    not). fleet knows: the commands are openstack-fleet's, and the app is
    another distribution's unless it is fleet's own.
    """

    def get_epilog(self):
        parts = [self._epilog or '']
        parts.extend(e for h in self._hooks
                     if h.obj is not None
                     and (e := h.obj.get_epilog()) is not None)
        if type(self.app).__module__.partition('.')[0] != 'fleet':
            parts.append(PLUGIN_EPILOG)
        return '\n\n'.join(parts)


class Command(_RendersErrors, _Epilog, command.Command):
    """A fleet command; reads and writes only the fleet database."""


class Lister(_RendersErrors, _Epilog, lister.Lister):
    """A fleet command that prints a table."""


class ShowOne(_RendersErrors, _Epilog, show.ShowOne):
    """A fleet command that prints one object (``-f shell`` safe to eval)."""

    def _load_formatter_plugins(self):
        from fleet.cli import formatters
        return formatters.replace_shell(super()._load_formatter_plugins())


def add_reason(parser, what='this change', dry_run=None):
    """``--reason``; with ``dry_run`` (its help) ``--dry-run`` before it."""
    if dry_run:
        parser.add_argument('--dry-run', action='store_true', help=dry_run)
    parser.add_argument(
        '--reason', metavar='<text>',
        help='Why: recorded in the change log with %s.' % what)


def add_device(parser, help='Device name or UUID.', **kwargs):
    """The ``<device>`` positional argument (name or UUID)."""
    parser.add_argument('device', metavar='<device>', help=help, **kwargs)


def add_columns(parser, resource, long_help='Show more columns.'):
    """``--long`` and ``--fields <field> ...`` of a list command.

    :param resource: a :class:`fleet.cli.v1.resource_fields.Resource`.
    """
    group = parser.add_mutually_exclusive_group()
    group.add_argument('--long', action='store_true', default=False,
                       help=long_help)
    group.add_argument('--fields', metavar='<field>', nargs='+',
                       action='append', default=[],
                       help='Show only these fields, in this order '
                            '(repeatable); one or more of: %s.'
                            % ', '.join(resource.fields))


def list_columns(resource, parsed_args):
    """``[(key, heading)]`` that a list shows for its options.

    :raises osc_lib.exceptions.CommandError: ``--fields`` names a field the
        resource does not have (one line listing the valid ones).
    """
    keys = list(dict.fromkeys(k for group in parsed_args.fields
                              for k in group))
    if keys:
        unknown = resource.unknown(keys)
        if unknown:
            raise osc_exc.CommandError(
                '--fields: no field %s; valid fields: %s.' % (
                    ', '.join(unknown), ', '.join(resource.fields)))
    else:
        keys = resource.long if parsed_args.long else resource.default
    return resource.columns(keys)


def add_device_filters(parser, what='devices'):
    """``--region/--cell/--rack/--cloud/--role/--label`` for a selection.

    :param what: what is selected: ``devices``, or ``readings`` (of
        devices).
    """
    what = '' if what == 'devices' else what + ' of '
    for option, text in (('region', 'in this region'),
                         ('cell', 'in this cell'),
                         ('rack', 'in this rack'),
                         ('cloud', 'in this cloud'),
                         ('role', 'with this role')):
        parser.add_argument('--' + option, metavar='<%s>' % option,
                            help='Only %sdevices %s.' % (what, text))
    parser.add_argument('--label', metavar='<label>', action='append',
                        dest='labels', default=[],
                        help='Only %sdevices with this label '
                             '(repeatable: all of them).' % what)


def device_filters(parsed_args):
    """The keyword filters :func:`add_device_filters` parsed."""
    a = parsed_args
    return {'region': a.region, 'cell': a.cell, 'rack': a.rack,
            'cloud': a.cloud, 'role': a.role, 'label': a.labels or None}


def progress(app):
    """A ``progress(message)`` callback for long work.

    On a terminal each message replaces the previous one on one stderr
    line (cleared when the command ends); elsewhere messages are printed
    one per line only with ``-v``, so scripts and logs stay clean.
    """
    stderr = app.stderr
    tty = hasattr(stderr, 'isatty') and stderr.isatty()
    verbose = getattr(getattr(app, 'options', None), 'verbose_level', 1)

    def report(message):
        if tty:
            stderr.write('\r\033[K%s' % message)
            stderr.flush()
        elif verbose > 1:
            stderr.write('%s\n' % message)

    def done():
        if tty:
            stderr.write('\r\033[K')
            stderr.flush()
    report.done = done
    return report


def intermixed(parser):
    """Let options come between a command's positionals.

    ``fleet var set r1 --scope rack key=value``: plain argparse stops
    filling ``<key=value> ...`` at the first option.
    """
    parser.parse_args = parser.parse_intermixed_args
    return parser


# -- formatting (fleet.cli.output) -----------------------------------------
JsonColumn = output.JsonColumn
ValueColumn = output.ValueColumn
ListColumn = output.ListColumn
plain = output.plain
show_output = output.show_output
list_output = output.list_output


def delete_each(cmd, kind, names, delete):
    """Call ``delete(name)`` for each name, going on after failures.

    One name: its error is raised as is. Several: each failure is printed
    on stderr and a summary error is raised at the end.
    """
    from fleet.common import exception

    if len(names) == 1:
        delete(names[0])
        return
    failed = 0
    for name in names:
        try:
            delete(name)
        except exception.FleetError as exc:
            failed += 1
            cmd.app.stderr.write('%s\n' % render_error(exc))
    if failed:
        raise osc_exc.CommandError('%d of %d %ss were not deleted.'
                                   % (failed, len(names), kind))


def parse_revision(option, text):
    """A change id or ISO 8601 time given to ``option``.

    :raises fleet.common.exception.Invalid: neither, naming ``option``.
    """
    from fleet.api import changes

    return changes.parse_when(text, option.lstrip('-'))
