"""The standalone ``fleet`` command: the ``openstack fleet`` commands
without OpenStackClient.

``fleet device list`` runs the same command class as ``openstack fleet
device list`` (entry points ``openstack.fleet.v1``, whose names all start
with ``fleet_``; the prefix is dropped here).
"""

import logging
import os
import sys

from cliff import app
from cliff import commandmanager

from fleet.cli import common

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


class FleetCommandManager(commandmanager.CommandManager):
    """Loads ``openstack.fleet.v1`` and drops the leading ``fleet``."""

    prefix = 'fleet '

    def load_commands(self, namespace):
        super().load_commands(namespace)
        self.commands = {
            (name[len(self.prefix):] if name.startswith(self.prefix)
             else name): ep for name, ep in self.commands.items()}


def _version():
    from importlib import metadata
    try:
        return metadata.version('openstack-fleet')
    except metadata.PackageNotFoundError:
        return 'unknown'


class FleetApp(app.App):
    """Inventory and Day-2 operations of OpenStack fleets."""

    NAME = 'fleet'
    LOG = logging.getLogger('fleet.cli')
    _handlers = []

    def __init__(self, stdout=None, stderr=None):
        super().__init__(
            description=self.__doc__,
            version=_version(),
            command_manager=FleetCommandManager(NAMESPACE),
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
    return FleetApp(stdout=stdout, stderr=stderr).run(argv)


if __name__ == '__main__':
    sys.exit(main())
