"""Typed JSON variables at every level, their resolution and blame.

Resolution (first match wins: the device, its parent devices nearest first,
its rack, cell, region, cloud, then global defaults) is
:mod:`fleet.api.resolve`'s. Secret values are never returned by the read
methods here (they are masked); only :meth:`Variables.secret_value` and
:meth:`Variables.secrets` hand them out, to code that must use them (an IPMI
collector), never to output.
"""

import json

import sqlalchemy as sa

from fleet.api import refs
from fleet.api import resolve
from fleet.api import validate
from fleet.common import constants
from fleet.common import exception
from fleet.common import values as value_text
from fleet.db import locks
from fleet.db import models

KEY_RE = validate.KEY_RE
RESERVED_PREFIX = validate.RESERVED_PREFIX

#: A variable name usable in Ansible; ``fleet_*`` is reserved.
check_key = validate.key


def encode(key, value):
    """JSON text of a value within the limits, or Invalid naming the key."""
    return validate.value(key, value)


def check_disjoint(**sections):
    """Each key in one section only (``values``, ``secrets``).

    The same key twice would be two rows for one variable: refused here,
    before the database sees it (and names no value).
    """
    seen = {}
    for section, values in sections.items():
        for key in values:
            if key in seen:
                raise exception.Invalid(
                    'vars.%s' % key, 'key %r is under both %s and %s' % (
                        key, seen[key], section),
                    'keep it in one of them')
            seen[key] = section


def parse_assignment(text, secret=False):
    """Parse ``KEY=VALUE`` from the command line.

    With ``secret`` an error never repeats the text (it may be the
    secret, typed without its ``KEY=``).

    VALUE is typed by :func:`fleet.common.values.from_text`: JSON objects,
    lists and quoted strings (which must parse), ``true``/``false``/``null``,
    numbers whose text survives (``8``, ``2.5``), else the text itself
    (``6.10``, ``007`` and ``pool.ntp.org`` stay strings).
    """
    if '=' not in text:
        raise exception.Invalid(
            'variable', 'expected KEY=VALUE, got %s' % (
                'a value without "="' if secret else repr(text)),
            'write it as key=value')
    key, raw = text.split('=', 1)
    check_key(key)
    try:
        value = value_text.from_text(raw)
    except value_text.MalformedJSON as exc:
        raise exception.Invalid(
            'vars.%s' % key, 'value %s' % exc, 'fix the JSON, or quote it '
            'as a JSON string (\'"..."\') to store the text') from None
    return key, value


class Variables:
    """Set, unset, show and resolve variables."""

    def __init__(self, fleet):
        self.fleet = fleet

    # -- writes ------------------------------------------------------------
    def set(self, ctx, scope, name, values, secret=None, region=None,
            cloud=None, observed=False, secrets=None):
        """Set variables ``values`` (a dict) at one scope, in one go.

        :param secret: True stores ``values`` as secrets (encrypted, never
            shown); False as plain values, also for keys that are secret
            now (the caller reveals them explicitly); None, the default,
            as plain values but refusing keys that are secret now.
        :param secrets: more values to store as secrets in the same
            transaction (values read from files, stdin or environment).
        :raises fleet.common.exception.Invalid: a bad key or value, or a
            secret key set with ``secret`` None.
        """
        secrets = secrets or {}
        check_disjoint(values=values, secrets=secrets)
        encoded = {check_key(k): encode(k, v) for k, v in values.items()}
        hidden = {check_key(k): encode(k, v) for k, v in secrets.items()}
        if not encoded and not hidden:
            raise exception.Invalid('variables', 'nothing to set',
                                    'give at least one key=value')
        with self.fleet.transaction(ctx) as txn:
            scope_id, obj_name = refs.scope_object(txn.session, scope, name,
                                                   region, cloud)
            self._lock(txn, scope, scope_id)
            for items, is_secret in ((encoded, secret), (hidden, True)):
                if items:
                    self.apply(txn, scope, scope_id, obj_name, items,
                               secret=is_secret, observed=observed)
        return sorted(set(encoded) | set(hidden))

    def apply(self, txn, scope, scope_id, obj_name, encoded, secret=False,
              observed=False, existing=None):
        """Write already-encoded values inside ``txn``; record changes.

        Secret values are encrypted here (``fleet.keyring``).

        :param secret: True, False, or None: plain, but a key that is
            secret now is refused (see :meth:`set`).
        :param existing: optional ``{key: Variable}`` already loaded.
        :returns: number of variables created or changed.
        """
        s = txn.session
        keyring = self.fleet.keyring
        if existing is None:
            # FOR UPDATE: the values really replaced, even where the
            # transaction's snapshot began before the lock (MariaDB).
            existing = {v.key: v for v in s.scalars(
                sa.select(models.Variable).where(
                    models.Variable.scope == scope,
                    models.Variable.scope_id == scope_id,
                    models.Variable.key.in_(list(encoded))
                ).with_for_update())}
        changed = 0
        for key, text in encoded.items():
            var = existing.get(key)
            field = 'vars.' + key
            if var is None:
                stored = keyring.encrypt(text, field) if secret else text
                var = models.Variable(scope=scope, scope_id=scope_id,
                                      key=key, value=stored,
                                      secret=bool(secret), observed=observed)
                s.add(var)
                existing[key] = var
                txn.record('create', scope, scope_id, obj_name,
                           field=field, new=text, secret=secret, raw=True)
                changed += 1
                continue
            if var.secret and secret is None:
                raise exception.Invalid(
                    field, '%r is a secret variable; set this way it would '
                    'be stored in clear' % key, hint='keep_secret')
            current = (keyring.decrypt(var.value, field) if var.secret
                       else var.value)
            if current != text or var.secret != bool(secret):
                txn.record('update', scope, scope_id, obj_name,
                           field=field, old=current, new=text,
                           secret=bool(secret) or var.secret, raw=True)
                var.value = (keyring.encrypt(text, field) if secret
                             else text)
                var.secret = bool(secret)
                var.observed = observed
                changed += 1
        return changed

    def unset(self, ctx, scope, name, keys, region=None, cloud=None):
        with self.fleet.transaction(ctx) as txn:
            s = txn.session
            scope_id, obj_name = refs.scope_object(s, scope, name, region,
                                                   cloud)
            self._lock(txn, scope, scope_id)
            rows = {v.key: v for v in s.scalars(
                sa.select(models.Variable).where(
                    models.Variable.scope == scope,
                    models.Variable.scope_id == scope_id
                ).with_for_update())}
            missing = [k for k in keys if k not in rows]
            if missing:
                raise exception.Invalid(
                    'key', '%s %s has no variable %s' % (
                        scope, obj_name, ', '.join(map(repr, missing))),
                    'see: fleet var show %s --scope %s' % (obj_name, scope))
            for key in keys:
                var = rows[key]
                txn.record('delete', scope, scope_id, obj_name,
                           field='vars.' + key, old=var.value,
                           secret=var.secret, raw=True)
                s.delete(var)

    def _lock(self, txn, scope, scope_id):
        """Serialise writers of one object's variables (fleet.db.locks)."""
        locks.acquire(txn.session, locks.scope_lock(scope, scope_id),
                      self.fleet.lock_timeout)

    # -- reads ---------------------------------------------------------------
    def show(self, ctx, scope, name=None, region=None, cloud=None):
        """Variables set at one scope: [{key, value, secret, observed}]."""
        with self.fleet.reading() as s:
            scope_id, _ = refs.scope_object(s, scope, name, region, cloud)
            rows = s.scalars(sa.select(models.Variable).where(
                models.Variable.scope == scope,
                models.Variable.scope_id == scope_id).order_by(
                    models.Variable.key))
            return [self._out(v) for v in rows]

    @staticmethod
    def _out(var, level=None):
        value = constants.MASK if var.secret else json.loads(var.value)
        out = {'key': var.key, 'value': value,
               'secret': var.secret, 'observed': var.observed}
        if level is not None:
            out['level'] = level
        return out

    def resolved(self, ctx, device, blame=False):
        """Resolved variables of one device (see :mod:`fleet.api.resolve`).

        :returns: [{key, value, secret, observed}] sorted by key, secret
            values masked, with ``level`` (where each value came from)
            when ``blame``.
        """
        with self.fleet.reading() as s:
            return resolve.device(s, refs.device(s, device), blame=blame)

    def secret_value(self, ctx, device, key):
        """The resolved value of a secret variable, for code that uses it.

        Never print or log the result. For many devices at once use
        :meth:`secrets`.
        """
        with self.fleet.reading() as s:
            dev = refs.device(s, device)
            got = resolve.secrets(s, [dev.id], [key],
                                  self.fleet.keyring)[dev.id]
        if key not in got:
            raise exception.NotFound('variable', key,
                                     ' for device %r' % device)
        return got[key]

    def secrets(self, ctx, device_ids, keys):
        """``{device_id: {key: value}}`` resolved for many devices at once.

        One query per ``[database] batch_size`` devices (a BMC sweep's
        credentials). Values in plain: never print or log them.
        """
        with self.fleet.reading() as s:
            return resolve.secrets(s, device_ids, keys, self.fleet.keyring,
                                   batch=self.fleet.batch_size)
