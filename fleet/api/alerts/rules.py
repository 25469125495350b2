"""Alert rules: repeat thresholds and flapping limits (FLT014).

``[alerts] rules_file`` names a YAML file::

    rules:
      - name: NodeFilesystemAlmostFull     # an alert name, and/or
        match: [severity=~warning|critical] # Alertmanager-style matchers
        repeat_threshold: 3     # actionable from the 3rd occurrence ...
        repeat_window: 1h       # ... within an hour
        flap_threshold: 2       # back more than twice ...
        flap_window: 6h         # ... in 6 hours: flapping, needs a human

The first rule whose name and matchers fit an alert applies; an alert no
rule fits uses ``[alerts] repeat_threshold``, ``repeat_window``,
``flap_threshold`` and ``flap_window``. A bad file is an error naming the
rule and the field, at the first intake that reads it.
"""

import dataclasses
import os

from fleet.api.alerts import matchers as matchers_mod
from fleet.common import exception

KEYS = ('name', 'match', 'repeat_threshold', 'repeat_window',
        'flap_threshold', 'flap_window')


@dataclasses.dataclass(frozen=True)
class Limits:
    """What one alert is held to."""

    repeat_threshold: int
    repeat_window: int
    flap_threshold: int
    flap_window: int
    rule: str | None = None


@dataclasses.dataclass(frozen=True)
class Rule:
    name: str | None
    matchers: tuple
    limits: Limits

    def fits(self, name, labels):
        if self.name is not None and self.name != name:
            return False
        if self.matchers:
            labels = dict(labels, alertname=name)
            return matchers_mod.matches_all(self.matchers, labels)
        return True


def _positive_int(value, where, key):
    if type(value) is not int or value < 1:
        raise exception.InvalidInput(where, '%s: must be a whole number of '
                                     '1 or more' % key, field=key)
    return value


def parse(data, defaults, path='rules file'):
    """Rules from the loaded YAML ``data``.

    :raises fleet.common.exception.InvalidInput: names the rule and field.
    """
    if data is None:
        return []
    items = data.get('rules') if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise exception.InvalidInput(path, 'rules: must be a list of rules',
                                     field='rules')
    rules = []
    for i, item in enumerate(items):
        where = '%s: rules[%d]' % (path, i)
        if not isinstance(item, dict):
            raise exception.InvalidInput(where, 'must be a mapping')
        unknown = sorted(set(item) - set(KEYS))
        if unknown:
            raise exception.InvalidInput(
                where, 'unknown key %s; use %s' % (unknown[0],
                                                   ', '.join(KEYS)),
                field=unknown[0])
        name = item.get('name')
        if name is not None and not isinstance(name, str):
            raise exception.InvalidInput(where, 'name: must be text',
                                         field='name')
        match = item.get('match') or []
        if isinstance(match, str):
            match = [match]
        try:
            parsed = tuple(matchers_mod.parse(m) for m in match)
            values = {}
            for key in ('repeat_window', 'flap_window'):
                values[key] = matchers_mod.parse_duration(
                    item.get(key, getattr(defaults, key)), key)
        except exception.Invalid as exc:
            raise exception.InvalidInput(where, str(exc),
                                         field=exc.field) from None
        if name is None and not parsed:
            raise exception.InvalidInput(
                where, 'give a name or match: a rule for every alert '
                'belongs in [alerts] options', field='name')
        for key in ('repeat_threshold', 'flap_threshold'):
            values[key] = _positive_int(item.get(key, getattr(defaults,
                                                              key)),
                                        where, key)
        label = name or ','.join(str(m) for m in parsed)
        rules.append(Rule(name, parsed, Limits(rule=label, **values)))
    return rules


class RuleBook:
    """The rules of ``[alerts] rules_file`` (re-read when it changes)."""

    def __init__(self, conf_group):
        self.conf = conf_group
        self._loaded = (None, None)
        self._rules = []

    @property
    def defaults(self):
        c = self.conf
        return Limits(c.repeat_threshold, c.repeat_window,
                      c.flap_threshold, c.flap_window)

    def rules(self):
        path = self.conf.rules_file
        if not path:
            return []
        try:
            mtime = os.stat(path).st_mtime_ns
        except OSError as exc:
            raise exception.InvalidInput(
                path, 'cannot read the alert rules file: %s'
                % exc.strerror, field='rules_file') from None
        if self._loaded != (path, mtime):
            import yaml

            with open(path) as f:
                try:
                    data = yaml.safe_load(f)
                except yaml.YAMLError as exc:
                    raise exception.InvalidInput(
                        path, 'not valid YAML: %s' % str(exc).replace(
                            '\n', ' '), field='rules_file') from None
            self._rules = parse(data, self.defaults, path)
            self._loaded = (path, mtime)
        return self._rules

    def limits_for(self, name, labels, rules=None, defaults=None):
        """The :class:`Limits` of the first rule that fits, else the
        defaults (pass ``rules`` and ``defaults`` read once per post)."""
        for rule in self.rules() if rules is None else rules:
            if rule.fits(name, labels):
                return rule.limits
        return self.defaults if defaults is None else defaults
