"""The standalone ``fleet`` command: the ``openstack fleet`` commands
without OpenStackClient.

``fleet device list`` runs the same command class as ``openstack fleet
device list`` (entry points ``openstack.fleet.v1``, whose names all start
with ``fleet_``; the prefix is dropped here).
"""

import gc
import logging
import os
import sys

# No cyclic garbage collection while the command starts up (imports make
# long-lived objects only); fleet.cli.common.start_up turns it back on.
gc.disable()

from cliff import app  # noqa: E402
from cliff import commandmanager  # noqa: E402

from fleet.cli import common  # noqa: E402

NAMESPACE = 'openstack.fleet.v1'
#: Global options that take a value (to find where the command starts).
VALUE_OPTIONS = ('--config-file', '--os-cloud', '--actor', '--log-file')
#: Global options a command also defines (``change list --actor``): they
#: are global only before the command name. Other global options are
#: recognised anywhere, as in cliff and OpenStackClient.
HEAD_ONLY = ('--actor',)


def _command_start(argv):
    """Index of the first word of the command in ``argv``."""
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == '--' or not word.startswith('-'):
            return i
        i += 2 if word in VALUE_OPTIONS else 1
    return len(argv)


def _global_parse(parse_known_args):
    """Wrap a parser's parse_known_args for HEAD_ONLY options.

    After the command name they stay with the command.
    """

    def parse(args=None, namespace=None):
        args = list(sys.argv[1:] if args is None else args)
        start = _command_start(args)
        hidden = {}
        tail = []
        words = iter(args[start:])
        for word in words:
            option = word.split('=', 1)[0]
            if option in HEAD_ONLY:
                marker = '\0fleet-hidden-%d' % len(hidden)
                hidden[marker] = [word]
                if '=' not in word:
                    hidden[marker].append(next(words, None))
                tail.append(marker)
            else:
                tail.append(word)
        namespace, extra = parse_known_args(args[:start] + tail, namespace)
        restored = []
        for word in extra:
            restored.extend(w for w in hidden.get(word, [word])
                            if w is not None)
        return namespace, restored
    return parse


def _distribution():
    """openstack-fleet's installed distribution, or None (source tree)."""
    from importlib import metadata
    try:
        return metadata.distribution('openstack-fleet')
    except metadata.PackageNotFoundError:
        return None


class FleetCommandManager(commandmanager.CommandManager):
    """``openstack.fleet.v1`` without the leading ``fleet``, loaded lazily.

    Running a command reads the entry points of openstack-fleet's own
    distribution (one metadata file) and imports that command's module
    only. The whole namespace, every distribution's entry points through
    stevedore (which imports each command module), is loaded only when a
    listing needs it (``help``, completion) or the command is not one of
    openstack-fleet's own.
    """

    prefix = 'fleet '

    def __init__(self, namespace, distribution=None):
        self._distribution = distribution
        self._complete = False
        super().__init__(namespace)

    def _name(self, name):
        name = name.replace('_', ' ') if self.convert_underscores else name
        return name[len(self.prefix):] if name.startswith(self.prefix) \
            else name

    def _load_commands(self):
        if self._distribution is None:
            self._load_all()
            return
        self.group_list.append(self.namespace)
        for ep in self._distribution.entry_points.select(
                group=self.namespace):
            self.commands[self._name(ep.name)] = ep

    def _load_all(self):
        """Every command of the namespace, from any distribution."""
        if self._complete:
            return
        self._complete = True
        groups = list(self.group_list)
        super().load_commands(self.namespace)
        self.group_list = groups or [self.namespace]
        self.commands = {self._name(name): ep
                         for name, ep in self.commands.items()}

    def load_commands(self, namespace):
        super().load_commands(namespace)
        self.commands = {self._name(name): ep
                         for name, ep in self.commands.items()}

    def __iter__(self):
        self._load_all()
        return super().__iter__()

    def get_command_names(self, group=None):
        if group is None:
            self._load_all()
        return super().get_command_names(group)

    def find_command(self, argv):
        try:
            return super().find_command(argv)
        except ValueError:
            if self._complete:
                raise
            self._load_all()
            return super().find_command(argv)


def _known_distributions():
    """Tell cliff which distributions fleet's commands come from.

    cliff's ``--help`` names the distribution of each command that is not
    the app's own, and finds them with
    ``importlib.metadata.packages_distributions()``, a scan of every
    installed distribution's files (tens of milliseconds, more the more is
    installed). The commands of the ``fleet`` app are openstack-fleet's and
    cliff's (``help``, ``complete``); cliff keeps the mapping in a module
    cache, which is filled here when it is still empty.
    """
    from cliff import command

    if getattr(command, '_dists_by_mods', False) is None:
        command._dists_by_mods = {'fleet': 'openstack-fleet',
                                  'cliff': 'cliff'}


class FleetApp(app.App):
    """Inventory and Day-2 operations of OpenStack fleets."""

    NAME = 'fleet'
    LOG = logging.getLogger('fleet.cli')
    _handlers = []

    def __init__(self, stdout=None, stderr=None):
        _known_distributions()
        dist = _distribution()
        super().__init__(
            description=self.__doc__,
            version=dist.version if dist else 'unknown',
            command_manager=FleetCommandManager(NAMESPACE, dist),
            # "fleet device list --help" is the command's help, as in
            # OpenStackClient, not the list of every command.
            deferred_help=True,
            stdout=stdout, stderr=stderr)
        self.fleet_client = None

    def build_option_parser(self, description, version,
                            argparse_kwargs=None):
        argparse_kwargs = dict(argparse_kwargs or {}, prog=self.NAME)
        parser = super().build_option_parser(description, version,
                                             argparse_kwargs)
        parser.add_argument(
            '--config-file', metavar='<path>', action='append', default=[],
            help='Fleet configuration file (oslo.config); repeatable, later '
                 'files win. Read after /etc/fleet/fleet.conf and '
                 '~/.config/fleet/fleet.conf when they exist '
                 '(Env: %s).' % common.CONFIG_FILE_ENV)
        parser.add_argument(
            '--os-cloud', metavar='<cloud>',
            default=os.environ.get('OS_CLOUD'),
            help='Cloud in clouds.yaml that inventory sources talking to '
                 'OpenStack (ironic, nova) use (Env: OS_CLOUD).')
        parser.add_argument(
            '--actor', metavar='<name>',
            default=os.environ.get(common.ACTOR_ENV),
            help='Who the change log records for changes made by this '
                 'command; default [DEFAULT] actor, the login name '
                 '(Env: %s). Give it before the command.'
                 % common.ACTOR_ENV)
        parser.parse_known_args = _global_parse(parser.parse_known_args)
        return parser

    def configure_logging(self):
        # One console handler per app run, even when several runs share a
        # process (tests): drop the previous run's handlers first.
        root = logging.getLogger('')
        for handler in FleetApp._handlers:
            root.removeHandler(handler)
        before = set(root.handlers)
        super().configure_logging()
        FleetApp._handlers = [h for h in root.handlers if h not in before]
        # Schema migration chatter is not for the operator unless asked;
        # nor keystoneauth's discovery warnings (a failure is one error).
        verbose = self.options.verbose_level > 1
        logging.getLogger('alembic').setLevel(
            logging.DEBUG if verbose else logging.WARNING)
        logging.getLogger('keystoneauth').setLevel(
            logging.DEBUG if verbose else logging.ERROR)

    def initialize_app(self, argv):
        files = self.options.config_file
        if not files and os.environ.get(common.CONFIG_FILE_ENV):
            files = [os.environ[common.CONFIG_FILE_ENV]]
        self.fleet_client = common.FleetClient(config_files=files,
                                               actor=self.options.actor)


def main(argv=None, stdout=None, stderr=None):
    """Run ``fleet``; returns the exit code."""
    if argv is None:
        argv = sys.argv[1:]
    try:
        return FleetApp(stdout=stdout, stderr=stderr).run(argv)
    finally:
        gc.enable()


if __name__ == '__main__':
    sys.exit(main())
