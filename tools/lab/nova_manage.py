"""Several nova-manage steps in one process (each nova-manage run spends
~5 s just starting up).

Runs inside the nova lab venv; does what these would do, in this order::

    nova-manage api_db sync
    nova-manage cell_v2 map_cell0 --database_connection CELL0
    nova-manage cell_v2 create_cell --name cell1 \
        --database_connection CELL1 --transport-url URL   (if missing)
    nova-manage db sync
    nova-manage cell_v2 discover_hosts

Usage::

    python -m tools.lab.nova_manage --config-file nova.conf \
        --cell0 URL --cell1 URL --transport-url URL STEP...

STEP is any of ``api-db-sync map-cell0 create-cell1 db-sync
discover-hosts``; each is idempotent. Exits non-zero if a step fails.
"""

import argparse
import sys

# nova.cmd.manage applies nova's monkey patching on import: keep it first.
from nova.cmd import manage
from nova import config
from nova import context
from nova import objects
from oslo_log import log as logging

STEPS = ('api-db-sync', 'map-cell0', 'create-cell1', 'db-sync',
         'discover-hosts')


def parse():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config-file', required=True)
    parser.add_argument('--cell0')
    parser.add_argument('--cell1')
    parser.add_argument('--transport-url')
    parser.add_argument('steps', nargs='+', choices=STEPS)
    return parser.parse_args()


def setup(config_file):
    """Parse nova's config the way nova-manage does."""
    config.parse_args(['nova-manage', '--config-file', config_file])
    logging.setup(manage.CONF, 'nova')
    objects.register_all()


def cell1_exists():
    ctxt = context.get_admin_context()
    return any(cell.name == 'cell1'
               for cell in objects.CellMappingList.get_all(ctxt))


def run_step(step, args):
    """Run one step; return nova-manage's exit code (0 or None is fine)."""
    cells = manage.CellV2Commands()
    if step == 'api-db-sync':
        return manage.ApiDbCommands().sync()
    if step == 'map-cell0':
        return cells.map_cell0(database_connection=args.cell0)
    if step == 'create-cell1':
        if cell1_exists():
            return 0
        return cells.create_cell(name='cell1', database_connection=args.cell1,
                                 transport_url=args.transport_url)
    if step == 'db-sync':
        return manage.DbCommands().sync()
    return cells.discover_hosts()


def main():
    args = parse()
    setup(args.config_file)
    for step in STEPS:
        if step not in args.steps:
            continue
        code = run_step(step, args)
        if code:
            print('step %s failed with exit code %s' % (step, code),
                  file=sys.stderr)
            return code
        print('step %s done' % step, flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
