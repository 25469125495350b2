"""The fleet service layer: the only way anything reads or writes fleet state.

The CLI, fleet's Mistral actions and any later REST API call this package;
none of them touch SQLAlchemy directly. Every public method takes a
:class:`fleet.api.context.RequestContext` first: who asks, why, the request
id and whether it is a dry run. One :class:`Fleet` serves many callers.
Usage::

    from fleet import api
    from fleet.api import context
    fleet = api.connect()                  # [database] connection or SQLite
    ctx = context.RequestContext(actor='rey', reason='new rack')
    fleet.devices.create(ctx, 'node-1', type='host', region='RegionOne')
    fleet.variables.set(ctx, 'device', 'node-1', {'ntp': 'pool.ntp.org'})
    fleet.variables.resolved(ctx, 'node-1', blame=True)
    fleet.sync.run(ctx.replace(dry_run=True), 'ironic')   # plan only

``fleet.context(reason=...)`` makes a context with ``[DEFAULT] actor``.
Each public write runs in one transaction: it writes everything or nothing,
and records what it changed in the change log with the context's actor,
reason and request id.
"""

from fleet.api.context import RequestContext  # noqa: F401
from fleet.api.store import connect  # noqa: F401
from fleet.api.store import Fleet  # noqa: F401
