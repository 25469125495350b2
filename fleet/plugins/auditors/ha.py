"""The ``ha`` auditor: placement rules for high availability."""

import collections

from fleet.plugins.auditors import base

LEVELS = ('region', 'cell', 'rack')


class HAAuditor(base.Auditor):
    """Placement rules over groups of the selected devices.

    ``check: spread`` -- the devices of each ``group_by`` group (default
    region) sit in at least ``min`` distinct ``across`` levels (default
    rack); devices placed in no such level count as one place together.
    ``check: anti_affinity`` -- no two devices of one group share an
    ``across`` level; the group is the value of the variable ``group_var``
    or of labels starting with ``label_prefix`` (``ha-group:db``).
    ``check: min_enabled`` -- each ``group_by`` group (default cell) has at
    least ``min`` devices whose Nova facts say ``state: up`` and
    ``status: enabled`` (variable ``nova`` from ``inventory sync nova``).
    Params::

        check: spread             # spread | anti_affinity | min_enabled
        group_by: region          # region | cell | rack
        across: rack              # rack | cell
        min: 3
        group_var: ha_group       # anti_affinity: group from a variable
        label_prefix: "ha-group:" # ... or from labels

    Findings are per group (``region RegionOne``), with the places seen.
    """

    parameter_schema = {
        'type': 'object', 'additionalProperties': False,
        'required': ['check'],
        'properties': {
            'check': {'enum': ['spread', 'anti_affinity', 'min_enabled']},
            'group_by': {'enum': list(LEVELS)},
            'across': {'enum': ['rack', 'cell']},
            'min': {'type': 'integer', 'minimum': 1},
            'group_var': {'type': 'string', 'minLength': 1},
            'label_prefix': {'type': 'string', 'minLength': 1},
        },
    }

    def variables(self, params):
        if params['check'] == 'min_enabled':
            return ['nova']
        if params['check'] == 'anti_affinity' and 'group_var' in params:
            return [params['group_var']]
        return ()

    def audit(self, devices, params, snapshot):
        return getattr(self, '_' + params['check'])(devices, params,
                                                    snapshot)

    @staticmethod
    def _groups(devices, level):
        groups = collections.defaultdict(list)
        for dev in devices:
            groups[getattr(dev, level)].append(dev)
        return groups

    def _spread(self, devices, params, snapshot):
        by = params.get('group_by', 'region')
        across = params.get('across', 'rack')
        want = params.get('min', 2)
        out = []
        for group, members in sorted(self._groups(devices, by).items(),
                                     key=lambda g: str(g[0])):
            places = sorted({getattr(d, across) for d in members},
                            key=lambda p: (p is None, p or ''))
            if len(places) < want:
                out.append(base.group_failure(
                    '%s %s' % (by, group),
                    '%d %s in %d %s%s (%s), at least %d wanted' % (
                        len(members), 'device' if len(members) == 1
                        else 'devices', len(places), across,
                        '' if len(places) == 1 else 's',
                        ', '.join('no %s' % across if p is None else p
                                  for p in places), want),
                    observed={across + 's': places,
                              'devices': [d.name for d in members]},
                    expected={'min_' + across + 's': want}))
        return out

    def _anti_affinity(self, devices, params, snapshot):
        across = params.get('across', 'rack')
        groups = collections.defaultdict(list)
        values = snapshot.values_of(params['group_var']) \
            if 'group_var' in params else {}
        for dev in devices:
            for name in self._group_names(dev, params, values):
                groups[name].append(dev)
        out = []
        for name, members in sorted(groups.items()):
            by_place = collections.defaultdict(list)
            for dev in members:
                place = getattr(dev, across)
                if place is not None:
                    by_place[place].append(dev.name)
            shared = {p: sorted(n) for p, n in by_place.items()
                      if len(n) > 1}
            if shared:
                out.append(base.group_failure(
                    'group %s' % name, '; '.join(
                        '%s in %s %s' % (', '.join(n), across, p)
                        for p, n in sorted(shared.items())),
                    observed=shared, expected={'per_' + across: 1}))
        return out

    @staticmethod
    def _group_names(dev, params, values):
        names = []
        if 'group_var' in params:
            value = values.get(dev.id)
            if isinstance(value, str):
                names.append(value)
        prefix = params.get('label_prefix')
        if prefix:
            names += [label[len(prefix):] for label in dev.labels
                      if label.startswith(prefix)]
        return names

    def _min_enabled(self, devices, params, snapshot):
        by = params.get('group_by', 'cell')
        want = params.get('min', 1)
        out = []
        novas = snapshot.values_of('nova')
        for group, members in sorted(self._groups(devices, by).items(),
                                     key=lambda g: str(g[0])):
            enabled = []
            for dev in members:
                nova = novas.get(dev.id)
                if isinstance(nova, dict) and nova.get('state') == 'up' \
                        and nova.get('status') == 'enabled':
                    enabled.append(dev.name)
            if len(enabled) < want:
                out.append(base.group_failure(
                    '%s %s' % (by, group),
                    '%d of %d computes up and enabled, at least %d wanted'
                    % (len(enabled), len(members), want),
                    observed={'enabled': enabled, 'devices': len(members)},
                    expected={'min_enabled': want}))
        return out
