"""[DEFAULT] options."""

import getpass
import os

from oslo_config import cfg


def _default_actor():
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry in some containers
        return 'unknown'


#: [DEFAULT]
group = None

opts = [
    cfg.StrOpt('actor',
               default=_default_actor(),
               sample_default='<current user>',
               help='Who is recorded in the change log for changes made by '
                    'this process. Defaults to the login name; the CLI '
                    'option --actor and the FLEET_ACTOR environment '
                    'variable override it.'),
    cfg.StrOpt('state_dir',
               default=os.path.join(
                   os.environ.get('XDG_STATE_HOME') or
                   os.path.expanduser('~/.local/state'), 'fleet'),
               sample_default='$XDG_STATE_HOME/fleet',
               help='Directory for fleet state on this machine, such as the '
                    'default embedded SQLite database.'),
]
