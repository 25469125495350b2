"""``static``: devices and hierarchy from a YAML or CSV asset file.

YAML (``.yaml``/``.yml``, or the same structure as ``.json``, which loads
much faster for large fleets)::

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
whose cells are read as JSON when they parse and as text otherwise. The
regions, cells and racks a CSV names must already exist.

The file is the whole truth for the devices it owns (source
``static:<file name>``): a device it created earlier and no longer lists is
flagged missing. Devices from other files or sources are not affected.
"""

import csv
import json
import os

from fleet.common import exception
from fleet.plugins.sources import base

TOP_KEYS = {'clouds', 'regions', 'cells', 'racks', 'defaults', 'vars',
            'devices'}
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
                                    'asset file', 'pass --file PATH')
        if not os.path.isfile(path):
            raise exception.Invalid('path', 'no such file %r' % path,
                                    'check the path')
        name = os.path.basename(path)
        if path.endswith(('.yaml', '.yml', '.json')):
            snap = self._from_yaml(path, name)
        elif path.endswith('.csv'):
            snap = self._from_csv(path, name)
        else:
            snap = None
        if snap is not None:
            snap.owner = 'static:%s' % name
            return snap
        raise exception.Invalid('path', 'unknown asset file type %r'
                                % name, 'use a .yaml, .yml or .csv file')

    # -- YAML and JSON ----------------------------------------------------
    def _from_yaml(self, path, name):
        import yaml
        loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
        try:
            with open(path, encoding='utf-8') as f:
                if path.endswith('.json'):
                    data = json.load(f)
                else:
                    data = yaml.load(f, Loader=loader)
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
            data = {}
        if not isinstance(data, dict):
            raise exception.InvalidAssetFile(
                name, 'the top level must be a mapping with keys %s'
                % ', '.join(sorted(TOP_KEYS)))
        unknown = set(data) - TOP_KEYS
        if unknown:
            raise exception.InvalidAssetFile(
                name, 'unknown top-level key %s; use %s' % (
                    ', '.join(sorted(map(repr, unknown))),
                    ', '.join(sorted(TOP_KEYS))))
        snap = base.Snapshot(strict_hierarchy=True)
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
        snap.defaults = defaults
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
    def _from_csv(self, path, name):
        snap = base.Snapshot(strict_hierarchy=True)
        with open(path, newline='', encoding='utf-8') as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            for col in header:
                if col not in CSV_PLAIN and not col.startswith(
                        ('var:', 'secret:')):
                    raise exception.InvalidAssetFile(
                        '%s:1' % name, 'unknown column %r; use %s, var:KEY '
                        'or secret:KEY' % (col, ', '.join(sorted(CSV_PLAIN))))
            if 'name' not in header:
                raise exception.InvalidAssetFile(
                    '%s:1' % name, 'no "name" column; add one')
            for line, row in enumerate(reader, start=2):
                where = '%s:%d' % (name, line)
                if None in row:
                    raise exception.InvalidAssetFile(
                        where, 'more cells than header columns; quote '
                        'values that contain commas')
                item = {'vars': {}, 'secrets': {}}
                for col, cell in row.items():
                    if cell is None or cell == '':
                        continue
                    if col.startswith('var:'):
                        item['vars'][col[4:]] = _cell_value(cell)
                    elif col.startswith('secret:'):
                        item['secrets'][col[7:]] = _cell_value(cell)
                    elif col == 'labels':
                        item['labels'] = [x.strip() for x in cell.split(';')
                                          if x.strip()]
                    else:
                        item[col] = cell
                _require(item, 'name', where)
                snap.devices.append(_record(item, where))
        return snap


def _list(data, key, name):
    value = data.get(key) or []
    if not isinstance(value, list):
        raise exception.InvalidAssetFile(
            '%s: %s' % (name, key), 'must be a list of mappings')
    return value


def _check_mapping(item, allowed, where):
    if not isinstance(item, dict):
        raise exception.InvalidAssetFile(where, 'must be a mapping')
    unknown = set(item) - allowed
    if unknown:
        raise exception.InvalidAssetFile(
            where, 'unknown field %s; use %s' % (
                ', '.join(sorted(map(repr, unknown))),
                ', '.join(sorted(allowed))))


def _require(item, key, where):
    if item.get(key) in (None, ''):
        raise exception.InvalidAssetFile(where, 'missing "%s"' % key)


def _cell_value(text):
    try:
        return json.loads(text)
    except ValueError:
        return text


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
