"""The fleet service layer: the only way anything reads or writes fleet state.

The CLI, fleet's Mistral actions and any later REST API call this package;
none of them touch SQLAlchemy directly. Usage::

    from fleet import api
    fleet = api.connect()                  # [database] connection or SQLite
    fleet.devices.create('node-1', type='host', region='RegionOne')
    fleet.variables.set('device', 'node-1', {'ntp': 'pool.ntp.org'})
    fleet.variables.resolved('node-1', blame=True)

Each public method runs in one transaction: it writes everything or nothing,
and records what it changed in the change log.
"""

from fleet.api.store import connect  # noqa: F401
from fleet.api.store import Fleet  # noqa: F401
