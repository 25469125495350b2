"""``fleet-manage``: deliberate administrative steps on the fleet database.

    fleet-manage [--config-file PATH ...] db upgrade [--revision REV]
    fleet-manage [--config-file PATH ...] db version
    fleet-manage [--config-file PATH ...] secret-key create
    fleet-manage [--config-file PATH ...] secret-key rotate

Errors are one line (database errors translated, no value in them).
"""

import argparse
import sys

from fleet.cli import common


def _engine(conf):
    from fleet.db import engine as db_engine

    url = conf.database.connection or db_engine.default_url(conf.state_dir)
    return db_engine.get_engine(url, conf.database)


def _keyring(conf):
    from fleet.common import crypto

    return crypto.Keyring.from_conf(
        conf, embedded=not conf.database.connection)


def db_upgrade(conf, args, out):
    from fleet.db import engine as db_engine

    engine = _engine(conf)
    before = db_engine.current_revision(engine)
    db_engine.upgrade(engine, args.revision, keyring=_keyring(conf))
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


def secret_key_create(conf, args, out):
    from fleet.common import crypto

    path = conf.secrets.key_file
    crypto.create_key_file(path)
    out.write('Created secret key file %s (mode 0600). Give every host that '
              'shares the database the same file; back it up apart from '
              'the database.\n' % path)


def secret_key_rotate(conf, args, out):
    """New primary key first; every secret row re-encrypted with it.

    The rows are re-encrypted in one transaction, and the new key file is
    written (atomically) before that transaction commits: if the commit
    fails, the file still holds every key the rows need.
    """
    from fleet.common import crypto
    from fleet.db import engine as db_engine
    from fleet.db import secrets

    keyring = _keyring(conf)
    path = keyring.path
    old_keys = crypto.read_keys(path)
    new_key = crypto.generate_key()
    multi = keyring.rotated(new_key)
    engine = _engine(conf)
    db_engine.ensure_schema(engine, auto_migrate=False)

    def rotate(token):
        try:
            return multi.rotate(token.encode('ascii')).decode('ascii')
        except Exception:  # noqa: BLE001 - InvalidToken, bad text
            from fleet.common import exception
            raise exception.SecretKeyError(
                'a secret value cannot be decrypted with the keys in %s; '
                'nothing was changed (restore the missing key first).'
                % path, path=path)
    with engine.begin() as conn:
        count = secrets.rewrite_secret_values(
            conn, rotate, conf.database.batch_size)
        crypto.write_keys(path, [new_key] + old_keys)
    out.write('Rotated %s: a new primary key, %d secret value(s) '
              're-encrypted with it; %d older key(s) kept to decrypt.\n'
              % (path, count, len(old_keys)))


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
    key = groups.add_parser(
        'secret-key', help='The key that encrypts secret variables '
                           '([secrets] key_file).')
    key_cmds = key.add_subparsers(dest='command', metavar='<command>',
                                  required=True)
    key_cmds.add_parser(
        'create', help='Create the key file (mode 0600) with a new key; '
                       'refuses to replace an existing file.').set_defaults(
        func=secret_key_create)
    key_cmds.add_parser(
        'rotate', help='Put a new primary key first in the key file and '
                       're-encrypt every secret value with it, in one '
                       'transaction; older keys are kept to decrypt. Copy '
                       'the new file to every host that shares the '
                       'database.').set_defaults(func=secret_key_rotate)
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
        with _translating(conf):
            args.func(conf, args, out)
    except Exception as exc:  # noqa: BLE001 - one line unless --debug
        if args.debug:
            raise
        from fleet.common import exception
        text = (common.render_error(exc)
                if isinstance(exc, exception.FleetError) else str(exc))
        err.write('fleet-manage: %s\n' % text)
        return 1
    return 0


def _translating(conf):
    """Database errors as one value-free line (fleet.db.errors)."""
    from fleet.db import engine as db_engine
    from fleet.db import errors

    return errors.translating(conf.database.connection or
                              db_engine.default_url(conf.state_dir))


if __name__ == '__main__':
    sys.exit(main())
