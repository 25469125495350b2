"""``static``: devices and hierarchy from a YAML or CSV asset file.

YAML (``.yaml``/``.yml``, or the same structure as ``.json``, which loads
much faster for large fleets)::

    owner:    site-a          # optional: who owns the devices (see below)
    clouds:   [{name: prod, description: ...}]
    regions:  [{name: RegionOne, cloud: prod}]
    cells:    [{name: cell1, region: RegionOne}]
    racks:    [{name: r01, region: RegionOne, cell: cell1}]
    defaults: {ntp_servers: [pool.ntp.org]}
    vars:     [{scope: region, name: RegionOne, vars: {...}, secrets: {...}}]
    devices:
      - name: node-001
        type: host            # host, switch, pdu, storage, bmc, ...
        role: compute
        region: RegionOne     # or only rack: (its region and cell follow)
        rack: r01
        parent: chassis-01
        serial: SN123
        asset_tag: A-1
        mgmt_address: 10.0.0.1
        labels: [gpu]
        vars: {kernel: 6.1}
        secrets: {bmc_password: ...}

CSV (``.csv``): one device per row; columns ``name, type, role, cloud,
region, cell, rack, parent, serial, asset_tag, mgmt_address, uuid, labels``
(labels separated by ``;``) plus ``var:KEY`` and ``secret:KEY`` columns,
whose cells are typed as ``fleet var set`` types values
(:mod:`fleet.common.values`). The regions, cells and racks a CSV names must
already exist.

Files are UTF-8 (a byte-order mark, as spreadsheets write, is fine; UTF-16
with a byte-order mark too). An empty file, a key given twice in one YAML or
JSON mapping and a CSV column given twice are errors.

The file is the whole truth for the devices it owns (source
``static:<owner>`` when the YAML/JSON file declares ``owner``, else
``static:<absolute path of the file>``): a device it created earlier and no
longer lists is flagged missing. Devices from other files or sources are not
affected. Devices owned by ``static:<file name>`` (the owner before) are
adopted by the file that lists them.
"""

import csv
import hashlib
import io
import json
import os

from fleet.common import exception
from fleet.common import values
from fleet.plugins.sources import base

#: Accepted extensions (any case) and the reader of each.
EXTENSIONS = {'.yaml': 'yaml', '.yml': 'yaml', '.json': 'json',
              '.csv': 'csv'}
#: Longest owner the inventory records (``devices.source``).
MAX_OWNER = 64
TOP_KEYS = {'owner', 'clouds', 'regions', 'cells', 'racks', 'defaults',
            'vars', 'devices'}
DEVICE_KEYS = {'name', 'type', 'role', 'cloud', 'region', 'cell', 'rack',
               'parent', 'serial', 'asset_tag', 'mgmt_address', 'uuid',
               'labels', 'vars', 'secrets'}
LEVEL_KEYS = {'clouds': {'name', 'description'},
              'regions': {'name', 'cloud', 'description'},
              'cells': {'name', 'region', 'cloud', 'description'},
              'racks': {'name', 'region', 'cell', 'cloud', 'description'}}
VAR_KEYS = {'scope', 'name', 'region', 'cloud', 'vars', 'secrets'}
CSV_PLAIN = DEVICE_KEYS - {'vars', 'secrets'}


class StaticSource(base.InventorySource):
    """Read devices, hierarchy, labels and variables from an asset file.

    Parameters: ``path`` (required): a ``.yaml``/``.yml``, ``.json`` or
    ``.csv`` file.
    """

    def collect(self):
        path = self.params.get('path')
        if not path:
            raise exception.Invalid('path', 'the static source needs an '
                                    'asset file', 'name one')
        if not os.path.isfile(path):
            raise exception.Invalid('path', 'no such file %r' % path,
                                    'check the path')
        name = os.path.basename(path)
        kind = EXTENSIONS.get(os.path.splitext(name)[1].lower())
        if kind is None:
            raise exception.Invalid(
                'path', 'unknown asset file type %r' % name, 'use a file '
                'ending in %s (any case)' % ', '.join(sorted(EXTENSIONS)))
        text = _read_text(path, name)
        if kind == 'csv':
            snap = self._from_csv(text, name)
        else:
            snap = self._from_yaml(text, name, kind)
        # Owners this file had before: the base name (older releases) and
        # its path (before it declared an owner). Only the devices the
        # file lists move to its owner.
        by_path = _owner(path, name)
        snap.legacy_owners = ['static:%s' % name, by_path]
        snap.owner = snap.owner or by_path
        return snap

    # -- YAML and JSON ----------------------------------------------------
    def _from_yaml(self, text, name, kind):
        import yaml
        try:
            if kind == 'json':
                data = json.loads(text, object_pairs_hook=_unique_pairs)
            else:
                data = yaml.load(text, Loader=_loader())
        except _DuplicateKey as exc:
            raise exception.InvalidAssetFile(
                '%s:%d' % (name, exc.line) if exc.line else name,
                'key %r given twice in one mapping; keep one'
                % (exc.key,))
        except json.JSONDecodeError as exc:
            raise exception.InvalidAssetFile(
                '%s:%d' % (name, exc.lineno), 'malformed JSON (%s); fix the '
                'syntax' % exc.msg)
        except yaml.YAMLError as exc:
            mark = getattr(exc, 'problem_mark', None)
            where = '%s:%d' % (name, mark.line + 1) if mark else name
            raise exception.InvalidAssetFile(
                where, 'malformed YAML (%s); fix the syntax'
                % getattr(exc, 'problem', exc))
        if data is None:
            raise exception.InvalidAssetFile(name, _EMPTY)
        if not isinstance(data, dict):
            raise exception.InvalidAssetFile(
                name, 'the top level must be a mapping with keys %s'
                % ', '.join(sorted(TOP_KEYS)))
        if not set(data) - {'owner'}:
            # Nothing but an owner is as empty (keep "devices: []" to
            # retire every device of the file on purpose).
            raise exception.InvalidAssetFile(name, _EMPTY)
        _check_known(data, TOP_KEYS, name, 'top-level key')
        snap = base.Snapshot(strict_hierarchy=True)
        if data.get('owner') is not None:
            snap.owner = 'static:' + _declared_owner(data['owner'], name)
        for level in ('clouds', 'regions', 'cells', 'racks'):
            for i, item in enumerate(_list(data, level, name)):
                where = '%s: %s[%d]' % (name, level, i)
                _check_mapping(item, LEVEL_KEYS[level], where)
                _require(item, 'name', where)
                item = dict(item, where=where)
                getattr(snap, level).append(item)
        defaults = data.get('defaults') or {}
        if not isinstance(defaults, dict):
            raise exception.InvalidAssetFile(
                '%s: defaults' % name, 'must be a mapping of variables')
        if defaults:
            # As a level's variables, so that errors name the file.
            snap.variables.append({'scope': 'defaults', 'name': None,
                                   'vars': defaults,
                                   'where': '%s: defaults' % name})
        for i, item in enumerate(_list(data, 'vars', name)):
            where = '%s: vars[%d]' % (name, i)
            _check_mapping(item, VAR_KEYS, where)
            _require(item, 'scope', where)
            for key in ('vars', 'secrets'):
                if not isinstance(item.get(key) or {}, dict):
                    raise exception.InvalidAssetFile(
                        where, '%s must be a mapping' % key)
            snap.variables.append(dict(item, where=where))
        for i, item in enumerate(_list(data, 'devices', name)):
            where = '%s: devices[%d]' % (name, i)
            _check_mapping(item, DEVICE_KEYS, where)
            _require(item, 'name', where)
            snap.devices.append(_record(item, where))
        return snap

    # -- CSV ------------------------------------------------------------
    def _from_csv(self, text, name):
        snap = base.Snapshot(strict_hierarchy=True)
        reader = csv.DictReader(io.StringIO(text, newline=''))
        header = reader.fieldnames or []
        for col in header:
            if col not in CSV_PLAIN and not col.startswith(
                    ('var:', 'secret:')):
                raise exception.InvalidAssetFile(
                    '%s:1' % name, 'unknown column %r; use %s, var:KEY '
                    'or secret:KEY' % (col, ', '.join(sorted(CSV_PLAIN))))
            if header.count(col) > 1:
                raise exception.InvalidAssetFile(
                    '%s:1' % name, 'column %r given twice; keep one'
                    % (col,))
        if 'name' not in header:
            raise exception.InvalidAssetFile(
                '%s:1' % name, 'no "name" column; add one')
        for row in reader:
            where = '%s:%d' % (name, reader.line_num)
            if None in row:
                raise exception.InvalidAssetFile(
                    where, 'more cells than header columns; quote '
                    'values that contain commas')
            item = {'vars': {}, 'secrets': {}}
            for col, cell in row.items():
                if cell is None or cell == '':
                    continue
                if col.startswith('var:'):
                    item['vars'][col[4:]] = _cell_value(cell, col, where)
                elif col.startswith('secret:'):
                    item['secrets'][col[7:]] = _cell_value(cell, col, where)
                elif col == 'labels':
                    item['labels'] = [x.strip() for x in cell.split(';')
                                      if x.strip()]
                else:
                    item[col] = cell
            _require(item, 'name', where)
            snap.devices.append(_record(item, where))
        if not snap.devices:
            raise exception.InvalidAssetFile(name, 'no device rows below '
                                             'the header; ' + _EMPTY_FIX)
        return snap


_EMPTY_FIX = ('list the devices (an empty file never flags devices '
              'missing)')
_EMPTY = 'the file is empty; ' + _EMPTY_FIX


def _read_text(path, name):
    """The file's text: UTF-8 (BOM or not), or UTF-16 with a BOM."""
    with open(path, 'rb') as f:
        data = f.read()
    encoding = 'utf-8-sig'
    if data.startswith((b'\xff\xfe', b'\xfe\xff')):
        encoding = 'utf-16'
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b'\n', 0, exc.start) + 1
        column = exc.start - (data.rfind(b'\n', 0, exc.start) + 1) + 1
        raise exception.InvalidAssetFile(
            '%s:%d' % (name, line), 'not UTF-8 text (byte 0x%02x at column '
            '%d); save the file as UTF-8 (spreadsheets: "CSV UTF-8")'
            % (data[exc.start], column)) from None
    if not text.strip():
        raise exception.InvalidAssetFile(name, _EMPTY)
    return text


def _owner(path, name):
    """``static:<absolute path>`` of an asset file.

    A path too long for the inventory's owner column is recorded as a
    digest of the path with the file name.
    """
    full = 'static:%s' % os.path.abspath(path)
    if len(full) <= MAX_OWNER:
        return full
    digest = hashlib.sha256(os.path.abspath(path).encode(
        'utf-8', 'surrogateescape')).hexdigest()[:16]
    return ('static:%s:%s' % (digest, name))[:MAX_OWNER]


def _declared_owner(value, name):
    limit = MAX_OWNER - len('static:')
    if (not isinstance(value, str) or not value or len(value) > limit or
            not all(c.isalnum() or c in '._:@/-' for c in value) or
            not value.isascii()):
        raise exception.InvalidAssetFile(
            '%s: owner' % name, 'invalid owner %r; use letters, digits and '
            '. _ : @ / - (at most %d)' % (value, limit))
    return value


class _DuplicateKey(ValueError):
    def __init__(self, key, line=None):
        super().__init__(key)
        self.key = key
        self.line = line


def _unique_pairs(pairs):
    out = dict(pairs)
    if len(out) != len(pairs):
        seen = set()
        for k, _v in pairs:
            if k in seen:
                raise _DuplicateKey(k)
            seen.add(k)
    return out


_LOADER = None


def _loader():
    """A SafeLoader (the C one when built) refusing duplicate keys."""
    global _LOADER
    if _LOADER is None:
        import yaml

        class UniqueKeyLoader(getattr(yaml, 'CSafeLoader', yaml.SafeLoader)):
            def construct_mapping(self, node, deep=False):
                seen = set()
                for key_node, _value in node.value:
                    if key_node.tag == 'tag:yaml.org,2002:merge':
                        continue
                    key = self.construct_object(key_node, deep=deep)
                    try:
                        duplicate = key in seen
                    except TypeError:
                        continue  # unhashable: the base class says so
                    if duplicate:
                        raise _DuplicateKey(key,
                                            key_node.start_mark.line + 1)
                    seen.add(key)
                return super().construct_mapping(node, deep=deep)

        _LOADER = UniqueKeyLoader
    return _LOADER


def _list(data, key, name):
    value = data.get(key) or []
    if not isinstance(value, list):
        raise exception.InvalidAssetFile(
            '%s: %s' % (name, key), 'must be a list of mappings')
    return value


def _check_mapping(item, allowed, where):
    if not isinstance(item, dict):
        raise exception.InvalidAssetFile(where, 'must be a mapping')
    _check_known(item, allowed, where)


def _check_known(item, allowed, where, what='field'):
    """Refuse keys of ``item`` not in ``allowed``, naming the valid ones."""
    unknown = set(item) - allowed
    if unknown:
        raise exception.InvalidAssetFile(
            where, 'unknown %s %s; use %s' % (
                what, ', '.join(sorted(map(repr, unknown))),
                ', '.join(sorted(allowed))))


def _require(item, key, where):
    if item.get(key) in (None, ''):
        raise exception.InvalidAssetFile(where, 'missing "%s"' % key)


def _cell_value(text, column, where):
    try:
        return values.from_text(text)
    except values.MalformedJSON as exc:
        raise exception.InvalidAssetFile(
            where, '%s: value %s; fix the JSON, or quote it as a JSON '
            'string to store the text' % (column, exc))


def _str_or_none(item, key, where):
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, (dict, list, bool)):
        raise exception.InvalidAssetFile(
            where, '%s must be a string, got %r' % (key, value))
    return str(value)


def _record(item, where):
    labels = item.get('labels')
    if labels is not None and not isinstance(labels, list):
        raise exception.InvalidAssetFile(where, 'labels must be a list')
    for key in ('vars', 'secrets'):
        if not isinstance(item.get(key) or {}, dict):
            raise exception.InvalidAssetFile(where, '%s must be a mapping'
                                             % key)
    return base.DeviceRecord(
        name=str(item['name']),
        type=_str_or_none(item, 'type', where) or 'host',
        role=_str_or_none(item, 'role', where),
        cloud=_str_or_none(item, 'cloud', where),
        region=_str_or_none(item, 'region', where),
        cell=_str_or_none(item, 'cell', where),
        rack=_str_or_none(item, 'rack', where),
        parent=_str_or_none(item, 'parent', where),
        serial=_str_or_none(item, 'serial', where),
        asset_tag=_str_or_none(item, 'asset_tag', where),
        mgmt_address=_str_or_none(item, 'mgmt_address', where),
        uuid=_str_or_none(item, 'uuid', where),
        labels=[str(x) for x in labels] if labels is not None else None,
        vars=dict(item.get('vars') or {}),
        secrets=dict(item.get('secrets') or {}),
        where='%s (%s)' % (where, item['name']))
