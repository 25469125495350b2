"""The Ansible dynamic inventory of the whole fleet: the reads and the render.

:class:`Rows` reads what the export needs in a handful of plain queries
(rows straight from the DB-API cursor into named tuples, no query per
device); :class:`Writer` renders the JSON text, splicing stored JSON values
in without decoding them, and merging what devices of one placement share
once per placement (:class:`fleet.api.resolve.Chains`). Called by
:meth:`fleet.api.export.Exporter.ansible`; ``benchmarks/inventory_scale.py``
holds it within 2x of a raw read of the same rows.
"""

import collections
import functools
import itertools
import json
import operator
import re

from json import encoder as json_encoder

import sqlalchemy as sa

from fleet.api import resolve
from fleet.db import models

_GROUP_RE = re.compile(r'[^A-Za-z0-9_]')
# JSON string quoting in C (what json.dumps does for a str, minus overhead).
_quote = json_encoder.encode_basestring_ascii

#: A device as the Ansible export reads it (the columns it selects, in
#: this order; the render unpacks rows by these names).
Host = collections.namedtuple(
    'Host', 'id name uuid mgmt_address missing rack_id cell_id region_id '
    'parent_id type role')


def _column(name):
    """Get the column ``name`` of a :data:`Host` row (for map())."""
    return operator.itemgetter(Host._fields.index(name))


#: What devices that share everything but name, UUID, address and own
#: variables have in common.
Placement = collections.namedtuple(
    'Placement', 'rack_id cell_id region_id parent_id type role')


def _fetch_all(conn, query):
    """Run a fixed SELECT on the raw DB-API cursor; return tuples.

    The statement has no user input: it is compiled with literal values
    for the connection's dialect. Reading the cursor directly skips
    SQLAlchemy's row processing, a third of the export's time otherwise.
    """
    sql = str(query.compile(dialect=conn.dialect,
                            compile_kwargs={'literal_binds': True}))
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def group_name(prefix, *parts):
    """An Ansible-safe group name: ``rack_region1_r12``."""
    return _GROUP_RE.sub('_', '_'.join((prefix,) + parts))


#: A region (``parent_id``: its cloud), cell or rack (its region).
Level = collections.namedtuple('Level', 'id name parent_id')


def _levels(fetch):
    """{id: name} of clouds; {id: :data:`Level`} of the rest."""
    clouds = dict(fetch(sa.select(models.Cloud.id, models.Cloud.name)))

    def named(model, parent):
        return {row.id: row for row in map(Level._make, fetch(
            sa.select(model.id, model.name, parent)))}
    return (clouds, named(models.Region, models.Region.cloud_id),
            named(models.Cell, models.Cell.region_id),
            named(models.Rack, models.Rack.region_id))


def _member(key, value):
    """The JSON member ``"key": value`` of a stored variable.

    Keys are identifiers (see variables.KEY_RE) and values are stored as
    JSON text, so neither needs escaping.
    """
    return f'"{key}": {value}'


class Rows:
    """What the Ansible export reads, in plain queries, no per-row ORM.

    ``hosts`` are rows of :data:`Host`'s columns, by name;
    ``layers[scope][id]`` is ``{key: '"key": value'}`` (see
    :func:`resolve.layers`) for the levels and for ``parents`` (the devices
    that are one); ``own[id]`` is a device's own variables rendered as
    ``, "k": v, ...``; ``exact`` the devices whose own variables override a
    shared key (``ansible_host`` included), with their layers in
    ``layers['device']`` too.
    """

    def __init__(self, conn, keyring=None):
        fetch = functools.partial(_fetch_all, conn)
        d, v = models.Device, models.Variable
        self.clouds, self.regions, self.cells, self.racks = \
            _levels(fetch)
        self.hosts = fetch(sa.select(
            *[getattr(d, field) for field in Host._fields]).order_by(
                d.name))
        self.layers = resolve.layers(
            (scope, sid, key, _member(key, value))
            for scope, sid, key, value in resolve.with_values(
                fetch, (v.scope, v.scope_id, v.key),
                v.scope.in_(resolve.SHARED), keyring))
        # Device variables, the bulk of the rows, without the scope column.
        self._own(resolve.with_values(
            fetch, (v.scope_id, v.key), v.scope == 'device', keyring))
        self.labels = fetch(sa.select(d.name, models.Label.label).join(
            models.Label, models.Label.device_id == d.id))

    def _own(self, rows):
        """Render each device's own variables; keep the layers needed.

        One pass over the rows (the bulk of what the export reads): it
        renders, collects the parents' variables and flags the devices
        that set a key a level sets.
        """
        parents = self.parents = set(map(_column('parent_id'), self.hosts))
        parents.discard(None)
        shared = {'ansible_host'}
        for by_id in self.layers.values():
            for layer in by_id.values():
                shared.update(layer)
        own = self.own = {}
        exact = self.exact = set()
        of_parents = []
        get, keep_parent, flag = own.get, of_parents.append, exact.add
        # _member() inlined: this loop runs once per device variable, in
        # f-strings (a third faster than %). A device's rows mostly come
        # one after the other: its text is kept in ``text`` until the next
        # device's row comes.
        last = text = None
        for sid, key, value in rows:
            if sid == last:
                text = f'{text}, "{key}": {value}'
            else:
                if last is not None:
                    own[last] = text
                last, text = sid, get(sid)
                text = (f', "{key}": {value}' if text is None
                        else f'{text}, "{key}": {value}')
            if sid in parents:
                keep_parent((sid, key, value))
            if key in shared:
                flag(sid)
        if last is not None:
            own[last] = text
        # A device that sets a key of a parent's is merged key by key too.
        extra = {key for _sid, key, _value in of_parents} - shared
        if extra:
            exact.update(sid for sid, key, _value in rows if key in extra)
        layers = self.layers['device']
        for sid, key, value in of_parents:
            layers.setdefault(sid, {})[key] = _member(key, value)
        # The parents' layers are complete; one more pass only for the
        # other devices merged key by key.
        rest = exact - parents
        if rest:
            for sid, key, value in rows:
                if sid in rest:
                    layers.setdefault(sid, {})[key] = _member(key, value)


_UUID = ': {"fleet_uuid": "'

#: What the devices of one placement share: ``text`` to write after the
#: UUID (its closing quote, the ``fleet_*`` members and the shared
#: variables), the ``append`` of the list of quoted device names (``add``;
#: shared by the placements that differ only by parent), the merged shared
#: variables, the ``fleet_*`` members alone (``prefix``), the groups, and
#: whether each device must be merged key by key (``ansible_host`` is set
#: by a level, so the address must not be added).
Place = collections.namedtuple(
    'Place', 'text add merged prefix groups merged_each')


def _host_part(mgmt):
    """``, "ansible_host": "<mgmt>"``, or nothing without an address."""
    return ', "ansible_host": ' + _quote(mgmt) if mgmt else ''


class Writer:
    """Renders the inventory.

    Devices that share placement, parent, type and role share everything
    but their name, UUID, own variables and address: that part is rendered
    once per such placement (a :data:`Place`). Per device a lookup, a
    quote and a join of pieces are left; devices whose own variables
    override a shared key (or set ``ansible_host``) are merged key by key.
    """

    def __init__(self, rows):
        self.rows = rows
        self.chains = resolve.Chains(
            rows.layers,
            {rid: region.parent_id for rid, region in rows.regions.items()},
            {dev_id: parent_id for dev_id, parent_id in zip(
                map(_column('id'), rows.hosts),
                map(_column('parent_id'), rows.hosts))
             if dev_id in rows.parents})
        self._prefixes = {}
        self._fragments = {}
        self._kinds = {}
        self._wheres = {}
        self._names = {}

    def _prefix(self, key):
        """(``fleet_*`` members, groups, names) of a placement, type, role.

        ``key`` is (rack, cell, region, type, role); placements that differ
        only by parent share the list of names. Its two halves, the type
        and role and the region, cell and rack, are each rendered once.
        """
        rack_id, cell_id, region_id, dtype, role = key
        kind_text, kind_groups = self._kind(dtype, role)
        where_text, where_groups = self._where(rack_id, cell_id, region_id)
        got = self._prefixes[key] = (kind_text + where_text,
                                     kind_groups + where_groups, [])
        return got

    def _kind(self, dtype, role):
        """(``fleet_type`` and ``fleet_role`` members, groups)."""
        got = self._kinds.get((dtype, role))
        if got is None:
            groups = ['type_' + dtype]
            if role:
                groups.append(group_name('role', role))
            got = self._kinds[dtype, role] = (
                '"fleet_type": %s, "fleet_role": %s' % (
                    _quote(dtype), _quote(role) if role else 'null'),
                groups)
        return got

    def _where(self, rack_id, cell_id, region_id):
        """(``, "fleet_region": ...`` and cell, rack members, groups)."""
        key = (rack_id, cell_id, region_id)
        got = self._wheres.get(key)
        if got is None:
            rows, named = self.rows, self._named
            region, group = named('region', region_id, rows.regions)
            text = ', "fleet_region": ' + region
            groups = [group]
            if cell_id:
                cell, group = named('cell', cell_id, rows.cells)
                text += ', "fleet_cell": ' + cell
                groups.append(group)
            if rack_id:
                rack, group = named('rack', rack_id, rows.racks)
                text += ', "fleet_rack": ' + rack
                groups.append(group)
            got = self._wheres[key] = (text, groups)
        return got

    def _group(self, prefix, name):
        """:func:`group_name` of a role or label, computed once each."""
        got = self._names.get((prefix, name))
        if got is None:
            got = self._names[prefix, name] = group_name(prefix, name)
        return got

    def _named(self, kind, level_id, by_id):
        """(quoted name, group name) of a region, cell or rack."""
        got = self._names.get((kind, level_id))
        if got is None:
            level = by_id[level_id]
            parts = (level.name,) if kind == 'region' else (
                self.rows.regions[level.parent_id].name, level.name)
            got = self._names[kind, level_id] = (
                _quote(level.name), group_name(kind, *parts))
        return got

    def _fragment(self, key):
        """(merged, rendered) shared variables of (rack, cell, region,
        parent)."""
        merged = self.chains.shared(*key)
        got = self._fragments[key] = (merged, ', '.join(merged.values()))
        return got

    def _placement(self, key):
        """The :data:`Place` of a key in :data:`Placement`'s order.

        Called once per placement (10,000 at 100,000 devices): the caches
        of its two halves are read inline.
        """
        rack_id, cell_id, region_id, parent_id, dtype, role = key
        half = (rack_id, cell_id, region_id, dtype, role)
        prefix, groups, members = (self._prefixes.get(half)
                                   or self._prefix(half))
        half = (rack_id, cell_id, region_id, parent_id)
        merged, fragment = self._fragments.get(half) or self._fragment(half)
        text = ('", ' + prefix + ', ' + fragment if fragment
                else '", ' + prefix)
        return Place._make((text, members.append, merged, prefix, groups,
                            'ansible_host' in merged))

    def _exact(self, place, dev_id, mgmt_address):
        """What follows the UUID of a device merged key by key."""
        full = {**place.merged, **self.rows.layers['device'].get(dev_id, {})}
        text = place.prefix
        if full:
            text += ', ' + ', '.join(full.values())
        if 'ansible_host' in full:
            return text
        return text + _host_part(mgmt_address)

    def render(self):
        rows = self.rows
        quote, own_get, exact = _quote, rows.own.get, rows.exact
        places = {}
        parts = ['{"_meta": {"hostvars": {']
        extend = parts.extend
        # Each entry ends with '}, '; the last one's comma goes after.
        # Rows unpacked by the names of Host (a namedtuple per row would
        # cost 5% of the export).
        for (dev_id, name, uuid, mgmt_address, _missing, rack_id, cell_id,
             region_id, parent_id, dtype, role) in rows.hosts:
            key = (rack_id, cell_id, region_id, parent_id, dtype, role)
            place = places.get(key)
            if place is None:
                place = places[key] = self._placement(key)
            qname = quote(name)
            place.add(qname)
            if place.merged_each or dev_id in exact:
                extend((qname, _UUID, uuid, '", ',
                        self._exact(place, dev_id, mgmt_address), '}, '))
            elif mgmt_address:
                extend((qname, _UUID, uuid, place.text, own_get(dev_id, ''),
                        ', "ansible_host": ', quote(mgmt_address), '}, '))
            else:
                extend((qname, _UUID, uuid, place.text, own_get(dev_id, ''),
                        '}, '))
        if rows.hosts:
            parts[-1] = '}'
        parts.append('}}')
        parts.extend(self._groups())
        return ''.join(parts)

    def _groups(self):
        """The rendered groups: ``, "name": {"hosts": [...]}`` each."""
        rows = self.rows
        # Group members are kept JSON-quoted, as the host keys were.
        groups = {}
        for _prefix, names, members in self._prefixes.values():
            for g in names:
                groups.setdefault(g, []).extend(members)
        for name, label in rows.labels:
            groups.setdefault(self._group('label', label), []).append(
                _quote(name))
        gone = list(map(_quote, itertools.compress(
            map(_column('name'), rows.hosts),
            map(_column('missing'), rows.hosts))))
        if gone:
            groups['fleet_missing'] = gone
        children = {}
        for cid, cname in rows.clouds.items():
            children[group_name('cloud', cname)] = sorted(
                group_name('region', region.name)
                for region in rows.regions.values()
                if region.parent_id == cid)
        every = sorted(set(groups) | set(children))
        parts = []
        for g in every:
            parts.append(', %s: {"hosts": [' % _quote(g))
            members = groups.get(g)
            if members:
                members.sort()  # each list is the export's own
                parts.append(', '.join(members))
            parts.append(']')
            if g in children:
                parts.append(', "children": %s' % json.dumps(children[g]))
            parts.append('}')
        parts.append(', "all": {"children": %s}}' % json.dumps(every))
        return parts
