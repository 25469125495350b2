"""``fleet-manage``: deliberate administrative steps on the fleet database.

    fleet-manage [--config-file PATH ...] db upgrade [--revision REV]
    fleet-manage [--config-file PATH ...] db version
"""

import argparse
import sys

from fleet.cli import common


def _engine(conf):
    from fleet.db import engine as db_engine

    url = conf.database.connection or db_engine.default_url(conf.state_dir)
    return db_engine.get_engine(url, conf.database)


def db_upgrade(conf, args, out):
    from fleet.db import engine as db_engine

    engine = _engine(conf)
    before = db_engine.current_revision(engine)
    db_engine.upgrade(engine, args.revision)
    after = db_engine.current_revision(engine)
    if before == after:
        out.write('Database already at revision %s.\n' % after)
    else:
        out.write('Database upgraded from %s to %s.\n'
                  % (before or 'empty', after))


def db_version(conf, args, out):
    from fleet.db import engine as db_engine

    rev = db_engine.current_revision(_engine(conf))
    out.write('%s\n' % (rev or 'empty (run: fleet-manage db upgrade)'))


def build_parser():
    parser = argparse.ArgumentParser(
        prog='fleet-manage',
        description='Administrative steps on the fleet database.')
    parser.add_argument(
        '--config-file', metavar='<path>', action='append', default=[],
        help='Fleet configuration file; repeatable, later files win. Read '
             'after /etc/fleet/fleet.conf and ~/.config/fleet/fleet.conf '
             'when they exist (Env: %s).' % common.CONFIG_FILE_ENV)
    parser.add_argument('--debug', action='store_true',
                        help='Show tracebacks on errors.')
    groups = parser.add_subparsers(dest='group', metavar='<group>',
                                   required=True)
    db = groups.add_parser('db', help='Database schema.')
    db_cmds = db.add_subparsers(dest='command', metavar='<command>',
                                required=True)
    upgrade = db_cmds.add_parser(
        'upgrade', help='Upgrade the schema to this code\'s version (or '
                        '--revision).')
    upgrade.add_argument('--revision', metavar='<rev>', default='head',
                         help='Alembic revision to upgrade to (default: '
                              'head).')
    upgrade.set_defaults(func=db_upgrade)
    version = db_cmds.add_parser(
        'version', help='Print the schema revision of the database.')
    version.set_defaults(func=db_version)
    return parser


def main(argv=None, stdout=None, stderr=None):
    """Run ``fleet-manage``; returns the exit code."""
    import os

    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    files = args.config_file
    if not files and os.environ.get(common.CONFIG_FILE_ENV):
        files = [os.environ[common.CONFIG_FILE_ENV]]
    try:
        conf = common.load_conf(files)
        args.func(conf, args, out)
    except Exception as exc:  # noqa: BLE001 - one line unless --debug
        if args.debug:
            raise
        err.write('fleet-manage: %s\n' % exc)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
