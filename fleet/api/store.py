"""The Fleet facade: engine, transactions and the change recorder."""

import contextlib
import importlib
import json
import threading

from fleet.api import validate
from fleet.common import constants
from fleet.db import bulk
from fleet.db import engine as db_engine
from fleet.db import errors as db_errors
from fleet.db import models

MASK = constants.MASK
MASK_JSON = constants.MASK_JSON


def connect(url=None, conf=None, auto_migrate=None):
    """Open the fleet database and return a :class:`Fleet`.

    Who acts is not fixed here: every call takes a
    :class:`fleet.api.context.RequestContext` (:meth:`Fleet.context` makes
    one with ``[DEFAULT] actor``).

    :param url: SQLAlchemy URL; default ``[database] connection`` or an
        embedded SQLite file under ``[DEFAULT] state_dir``.
    :param conf: an oslo.config ConfigOpts; default ``fleet.conf.CONF``.
    :raises fleet.common.exception.SchemaOutOfDate: schema behind and
        auto-migration off.
    """
    if conf is None:
        from fleet.conf import CONF as conf
    from fleet.common import crypto

    # The embedded default (no URL anywhere) creates its key on first use.
    keyring = crypto.Keyring.from_conf(
        conf, embedded=not (url or conf.database.connection))
    url = url or conf.database.connection or db_engine.default_url(
        conf.state_dir)
    if auto_migrate is None:
        auto_migrate = conf.database.auto_migrate
    engine = db_engine.get_engine(url, conf.database)
    with db_errors.translating(engine.url, engine):
        db_engine.ensure_schema(engine, auto_migrate=auto_migrate,
                                keyring=keyring)
    return Fleet(engine, conf=conf, batch_size=conf.database.batch_size,
                 keyring=keyring, lock_timeout=conf.database.lock_timeout)


class Txn:
    """One transaction: a session plus the change rows it will append."""

    def __init__(self, session, ctx, reason=None):
        self.session = session
        self.ctx = ctx
        self.actor = ctx.actor
        self.reason = ctx.reason or reason
        self.request_id = ctx.request_id
        self.now = models.utcnow()
        self._rows = []
        self.events = []
        #: Callables run once the transaction committed (never on a
        #: rollback or a dry run), after its events were handed on.
        self.after_commit = []
        #: How many change rows the commit appended.
        self.flushed = 0

    def record(self, action, object_type, object_id, object_name,
               field=None, old=None, new=None, secret=False, raw=False):
        """Append a change row; values are JSON-encoded unless ``raw``.

        Secret values are replaced by the mask before they are stored.
        """
        if secret:
            old = None if old is None else MASK_JSON
            new = None if new is None else MASK_JSON
        elif not raw:
            old = None if old is None else json.dumps(old, sort_keys=True,
                                                      default=str)
            new = None if new is None else json.dumps(new, sort_keys=True,
                                                      default=str)
        self._rows.append({
            'request_id': self.request_id, 'created_at': self.now,
            'actor': self.actor, 'action': action,
            'object_type': object_type, 'object_id': object_id,
            'object_name': object_name, 'field': field, 'old': old,
            'new': new, 'secret': bool(secret), 'reason': self.reason})

    def emit(self, event_type, payload, project_id=None):
        """Queue an event, published only once the transaction commits.

        :param event_type: OpenStack-style name, ``fleet.<object>.<action>``
            (``fleet.alert.create``, ``fleet.device.update``).
        :param payload: JSON-able dict without any secret value.
        :param project_id: the project the event concerns, so that a
            tenant-facing consumer can filter; None for fleet-wide events.
        """
        self.events.append((event_type, payload, project_id))

    @property
    def change_count(self):
        return len(self._rows)

    def flush_changes(self, batch_size):
        rows, self._rows = self._rows, []
        self.flushed = len(rows)
        bulk.insert_many(self.session, models.Change, rows, batch_size,
                         copy=True)
        return rows


_MISSING = object()


class _Service:
    """A service of :class:`Fleet`, made on its first use and kept.

    A command imports only the modules of the services it touches: the
    CLI starts faster (``benchmarks/cli_startup.py``), and one ``Fleet``
    still has one instance of each service (made under a lock, as
    fleet-api's threads share it).
    """

    def __init__(self, module, cls, takes='fleet'):
        self.module, self.cls, self.takes = module, cls, takes
        self.name = None

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, fleet, owner=None):
        if fleet is None:
            return self
        with fleet._services_lock:
            made = fleet.__dict__.get(self.name, _MISSING)
            if made is _MISSING:
                factory = getattr(importlib.import_module(self.module),
                                  self.cls)
                made = factory(fleet.conf if self.takes == 'conf'
                               else fleet)
                fleet.__dict__[self.name] = made
        return made


class Fleet:
    """Entry point to the service layer; see :func:`connect`.

    Attributes: ``clouds``/``regions``/``cells``/``racks`` (hierarchy),
    ``devices``, ``labels``, ``variables``, ``changes``, ``exporter``,
    ``sync``, ``alerts``, ``silences``, ``capacity``; ``notifications``,
    which publishes the events of committed transactions
    (:class:`fleet.api.notifications.Notifications`); ``policies``,
    ``findings``, ``audit`` (:mod:`fleet.api.audit`); ``power``,
    ``handoffs``, ``remediations``;
    ``conf``, the configuration it was opened with; ``keyring``,
    which encrypts and decrypts secret values
    (:class:`fleet.common.crypto.Keyring`). Every public method of these
    takes a request context first.
    """

    def __init__(self, engine, conf=None, batch_size=2000, keyring=None,
                 lock_timeout=60.0):
        self.engine = engine
        self.conf = conf
        self.batch_size = batch_size
        if keyring is None:
            from fleet.common import crypto
            keyring = crypto.Keyring(None)
        self.keyring = keyring
        self.lock_timeout = lock_timeout
        self._sessions = db_engine.session_factory(engine)
        self._db_errors = db_errors.catchable(engine)
        self._services_lock = threading.Lock()

    clouds = _Service('fleet.api.hierarchy', 'Clouds')
    regions = _Service('fleet.api.hierarchy', 'Regions')
    cells = _Service('fleet.api.hierarchy', 'Cells')
    racks = _Service('fleet.api.hierarchy', 'Racks')
    devices = _Service('fleet.api.devices', 'Devices')
    labels = _Service('fleet.api.devices', 'Labels')
    variables = _Service('fleet.api.variables', 'Variables')
    changes = _Service('fleet.api.changes', 'ChangeLog')
    exporter = _Service('fleet.api.export', 'Exporter')
    sync = _Service('fleet.api.sync', 'Sync')
    telemetry = _Service('fleet.api.telemetry', 'Telemetry')
    health = _Service('fleet.api.health', 'Health')
    collect = _Service('fleet.api.collect', 'Collect')
    exposition = _Service('fleet.api.exposition', 'Exposition')
    notifications = _Service('fleet.api.notifications', 'Notifications',
                             takes='conf')
    capacity = _Service('fleet.api.capacity', 'Capacity')
    alerts = _Service('fleet.api.alerts', 'Alerts')
    silences = _Service('fleet.api.alerts.silences', 'Silences')
    policies = _Service('fleet.api.audit.policies', 'Policies')
    findings = _Service('fleet.api.audit.findings', 'Findings')
    audit = _Service('fleet.api.audit.run', 'Audit')
    power = _Service('fleet.api.power', 'Power')
    handoffs = _Service('fleet.api.handoffs', 'Handoffs')
    remediations = _Service('fleet.api.remediation', 'Remediations')
    resolver = _Service('fleet.api.resolver', 'Resolver')
    reactions = _Service('fleet.api.reactions', 'Reactor')

    def make_services(self):
        """Make every service now rather than on its first use (a server's
        worker, before its first request)."""
        for name, attr in vars(Fleet).items():
            if isinstance(attr, _Service):
                getattr(self, name)

    def context(self, reason=None, dry_run=False, actor=None, **kwargs):
        """A :class:`RequestContext` for a local caller.

        :param actor: default ``[DEFAULT] actor`` of :attr:`conf`.
        """
        from fleet.api import context

        if actor is None:
            actor = getattr(self.conf, 'actor', None) or 'unknown'
        return context.RequestContext(actor=actor, reason=reason,
                                      dry_run=dry_run, **kwargs)

    @contextlib.contextmanager
    def transaction(self, ctx, reason=None, txn=None):
        """Yield a :class:`Txn` for ``ctx``; commit, or roll back on error.

        :param reason: recorded when ``ctx`` gives none.
        :param txn: a :class:`Txn` the caller already holds: it is yielded
            as it is, and whoever opened it commits (so that several
            managers' writes are one transaction, ``fleet collect``).
        With ``ctx.dry_run`` everything is rolled back at the end, so
        callers can compute and report a plan with the code that applies
        it.

        Once the commit has succeeded (never on a rollback or a dry run)
        the transaction's events are published
        (:mod:`fleet.api.events`: one per device touched, one summary of
        the change rows, and those queued with :meth:`Txn.emit`); that
        never blocks nor fails the caller. Then the callables in
        :attr:`Txn.after_commit` run (in-process state that must follow
        only what was committed: caches, counters).
        """
        if txn is not None:
            yield txn
            return
        validate.context(ctx, reason)
        dry_run = ctx.dry_run
        session = self._sessions()
        txn = Txn(session, ctx, reason)
        committed = False
        try:
            yield txn
            rows = txn.flush_changes(self.batch_size)
            if dry_run:
                session.rollback()
            else:
                session.commit()
                committed = True
                self._publish(txn, rows)
        except BaseException as exc:
            self._rollback(session)
            if isinstance(exc, self._db_errors):
                raise db_errors.translate(exc, self.engine.url) from None
            raise
        finally:
            session.close()
        if committed:
            for callback in txn.after_commit:
                callback()

    def _publish(self, txn, rows):
        """Hand a committed transaction's events to the notifiers."""
        if not (self.notifications.enabled and (rows or txn.events)):
            return
        from fleet.api import events

        try:
            found = events.from_transaction(txn, rows, self.batch_size)
        except Exception as exc:  # noqa: BLE001 - the commit stands
            import logging

            logging.getLogger('fleet.notifications').error(
                'notifications: events of request %s not published: %s',
                txn.request_id, exc)
            return
        self.notifications.publish(found)

    def close(self):
        """Deliver queued events (at most ``[notifications]
        flush_timeout`` s) and stop the notifier threads."""
        if 'notifications' in self.__dict__:
            self.notifications.close()

    def _rollback(self, session):
        """Roll back; a dead connection must not hide the first error."""
        try:
            session.rollback()
        except self._db_errors as exc:
            db_errors.scrub(exc)

    @contextlib.contextmanager
    def reading(self):
        """Yield a session for reads only."""
        session = self._sessions()
        try:
            yield session
        except self._db_errors as exc:
            raise db_errors.translate(exc, self.engine.url) from None
        finally:
            session.close()
