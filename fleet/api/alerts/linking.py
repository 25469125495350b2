"""Link alerts to inventory devices through their labels.

``[alerts] device_labels`` lists the labels that may name a device, in the
order they are tried. A value is matched against device names, UUIDs,
management addresses and BMC addresses (the device-level ``bmc`` variable's
``address``). ``instance`` values lose their port (``host:9100``,
``[::1]:9100``) and a URL keeps its host only.

What each value resolved to (a device, or nothing) is kept in memory until
the change log grows (every device or variable write adds a change row;
the caller reads the counter, :func:`fleet.api.alerts.rows.change_counter`,
once per post; on SQLite the change rows of the intake's own posts do not
count, :meth:`Linker.wrote`), so a post about known hosts costs no query
here. Values
not seen since then cost one query for names, UUIDs and addresses (in
batches) and, only when something is left unmatched, one read of the BMC
addresses, kept until a device's ``bmc`` variable changes.
"""

import json
import re

import sqlalchemy as sa

from fleet.db import bulk
from fleet.db import models

_URL = re.compile(r'^[a-z][a-z0-9+.-]*://([^/]+)', re.I)
_HOST_PORT = re.compile(r'^(\[[0-9A-Fa-f:.]+\]|[^:\[\]]+):\d{1,5}$')


def host_of(value):
    """``value`` without a URL scheme and path, and without a port."""
    m = _URL.match(value)
    if m:
        value = m.group(1).rsplit('@', 1)[-1]
    m = _HOST_PORT.match(value)
    if m:
        value = m.group(1)
    if value.startswith('[') and value.endswith(']'):
        value = value[1:-1]
    return value


class Linker:
    """Resolve device labels to device ids, a post at a time."""

    #: Values remembered per change counter (cleared beyond).
    LIMIT = 100000

    def __init__(self, conf_group):
        self.labels = tuple(conf_group.device_labels)
        self._bmc = (None, {})
        #: (change counter, {value: device id, or None for no device}).
        self._known = (None, {})
        #: The counter after this process's own last post, if it wrote.
        self._expected = None

    def candidates(self, labels):
        """``[value]`` in label order, each as matched (no port)."""
        found = []
        for key in self.labels:
            value = labels.get(key)
            if value:
                found.append(host_of(value))
        return found

    def link(self, session, incoming, batch_size, counter):
        """``{fingerprint: (device_id or None, device_unknown)}``.

        :param counter: the change counter read in this transaction.
        """
        wanted = {}
        for item in incoming:
            if item.device_id is None:
                wanted[item.fingerprint] = self.candidates(item.labels)
        if self._known[0] != counter or len(self._known[1]) > self.LIMIT:
            self._known = (counter, {})
        known = self._known[1]
        values = sorted({v for vs in wanted.values() for v in vs
                         if v not in known})
        if values:
            index = self._lookup(session, values, batch_size)
            if any(v not in index for v in values):
                for address, dev_id in self._bmc_index(session).items():
                    index.setdefault(address, dev_id)
            for v in values:
                known[v] = index.get(v)
        result = {}
        for item in incoming:
            if item.device_id is not None:
                result[item.fingerprint] = (item.device_id, False)
                continue
            values = wanted[item.fingerprint]
            dev_id = next((known[v] for v in values
                           if known[v] is not None), None)
            result[item.fingerprint] = (dev_id, bool(values) and
                                        dev_id is None)
        return result

    def _lookup(self, session, values, batch_size):
        d = models.Device.__table__
        found = {}
        conn = session.connection()
        for batch in bulk.batches(values, batch_size):
            rows = conn.execute(sa.select(
                d.c.id, d.c.name, d.c.uuid, d.c.mgmt_address).where(
                    sa.or_(d.c.name.in_(batch), d.c.uuid.in_(batch),
                           d.c.mgmt_address.in_(batch))))
            for dev_id, name, uuid, mgmt in rows:
                for rank, key in enumerate((name, uuid, mgmt)):
                    if key is not None:
                        found.setdefault(key, []).append((rank, dev_id))
        # A device's name beats another device's UUID or address.
        return {key: min(hits)[1] for key, hits in found.items()}

    def begin(self, counter):
        """Start a post that read change counter ``counter``; returns
        whether the inventory may have changed since the last lookup (so
        that alerts about unknown devices are worth another)."""
        key, known = self._known
        if key != counter and counter == self._expected:
            # Only this process's last post wrote change rows since.
            self._known = key, known = (counter, known)
        self._expected = None
        return key != counter

    def wrote(self, counter, rows):
        """This process's post that read ``counter`` committed ``rows``
        change rows of its own (alert state changes) and nothing else
        could write in between (SQLite's single writer): the next post
        that reads ``counter + rows`` keeps what is known."""
        if rows and self._known[0] == counter:
            self._expected = counter + rows

    def _bmc_index(self, session):
        v = models.Variable.__table__
        where = sa.and_(v.c.scope == 'device', v.c.key == 'bmc')
        conn = session.connection()
        signature = tuple(conn.execute(sa.select(
            sa.func.count(), sa.func.max(v.c.updated_at)).where(
                where)).one())
        if self._bmc[0] == signature:
            return self._bmc[1]
        index = {}
        for dev_id, value in conn.execute(
                sa.select(v.c.scope_id, v.c.value).where(where)):
            try:
                address = json.loads(value).get('address')
            except (ValueError, AttributeError):
                continue
            if isinstance(address, str) and address:
                index[address] = dev_id
        self._bmc = (signature, index)
        return index
