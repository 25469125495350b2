"""Loaded policies and their rules (change-logged).

``load`` takes one or more policy files, checks them all
(:mod:`fleet.api.audit.policyfile`) and writes them in one transaction: a
file whose policy name is loaded already replaces that policy (its version
goes up); any mistake in any file and nothing is written. The change log
keeps each version's rules (``change list --type policy``).
"""

import json

import sqlalchemy as sa

from fleet.api.audit import policyfile
from fleet.api.audit import schema as policy_schema
from fleet.common import exception
from fleet.db import models

DEFAULT_MAX_SIZE = 1024 * 1024


def auditor_schemas(conf):
    """``{name: parameter schema}`` of the enabled auditors; a name that
    cannot be loaded maps to the reason (text)."""
    from fleet.plugins import loader

    out = {}
    for name in loader.enabled_names('auditors', conf):
        try:
            cls = loader.plugin_classes('auditors', [name])[name]
        except exception.PluginLoadError as exc:
            out[name] = exc.reason
            continue
        out[name] = cls.parameter_schema
    return out


def _rule_json(rule):
    """What the change log and ``policy show`` keep of a rule."""
    return {k: rule[k] for k in sorted(rule)}


def _rule_row(policy_id, position, rule):
    repeat = rule.get('repeat')
    return {
        'policy_id': policy_id, 'name': rule['name'], 'position': position,
        'enabled': rule['enabled'], 'auditor': rule['auditor'],
        'severity': rule['severity'], 'description': rule.get('description'),
        'selector': json.dumps(rule['selector'], sort_keys=True),
        'params': json.dumps(rule['params'], sort_keys=True),
        'remediation': json.dumps(rule['remediation'], sort_keys=True)
        if rule.get('remediation') else None,
        'mode': rule['mode'],
        'repeat_count': repeat['count'] if repeat else None,
        'repeat_window': policy_schema.seconds(repeat['window'])
        if repeat else None,
        'approval_ttl': policy_schema.seconds(rule['approval_ttl'])
        if rule.get('approval_ttl') else None}


def rule_dict(row, policy_name=None):
    """A rule row as the service layer returns it."""
    return {
        'name': row.name, 'policy': policy_name, 'position': row.position,
        'enabled': row.enabled, 'auditor': row.auditor,
        'severity': row.severity, 'description': row.description,
        'selector': json.loads(row.selector),
        'params': json.loads(row.params),
        'remediation': json.loads(row.remediation)
        if row.remediation else None,
        'mode': row.mode, 'repeat_count': row.repeat_count,
        'repeat_window': row.repeat_window,
        'approval_ttl': row.approval_ttl}


class Policies:
    """Validate, load, list, show and delete policies."""

    def __init__(self, fleet):
        self.fleet = fleet

    def _max_size(self):
        conf = self.fleet.conf
        try:
            return conf.audit.max_policy_size
        except (AttributeError, KeyError):
            return DEFAULT_MAX_SIZE

    @staticmethod
    def _inventory(s):
        return policyfile.Inventory(
            set(s.scalars(sa.select(models.Region.name))),
            set(s.scalars(sa.select(models.Cell.name))),
            set(s.scalars(sa.select(models.Rack.name))))

    def _check(self, s, files):
        """Parse and check ``files`` [(name, text)]; (parsed, problems)."""
        problems = []
        parsed = []
        for name, text in files:
            one = policyfile.parse(name, text, self._max_size(), problems)
            if one is not None:
                parsed.append(one)
        replaced = {p.data.get('name') for p in parsed
                    if isinstance(p.data, dict)}
        p, r = models.Policy, models.AuditRule
        taken = {rule: policy for rule, policy in s.execute(
            sa.select(r.name, p.name).join(p, p.id == r.policy_id))
            if policy not in replaced}
        problems += policyfile.check(parsed, auditor_schemas(self.fleet.conf),
                                     self._inventory(s), taken)
        problems.sort(key=lambda x: (x.file, x.line, x.column))
        return parsed, problems

    def validate(self, ctx, files):
        """Every mistake in ``files``, as Problems (empty: all good).

        :param files: ``[(file name, text)]``.
        """
        with self.fleet.reading() as s:
            return self._check(s, files)[1]

    def load(self, ctx, files):
        """Load policy files in one transaction.

        :param files: ``[(file name, text)]``.
        :returns: ``[{name, version, rules, action}]``, action
            ``created``/``updated``/``unchanged``.
        :raises fleet.common.exception.InvalidPolicy: any mistake in any
            file, all of them listed; nothing is written.
        """
        out = []
        with self.fleet.transaction(ctx) as txn:
            s = txn.session
            parsed, problems = self._check(s, files)
            if problems:
                raise exception.InvalidPolicy(problems)
            for one in parsed:
                out.append(self._write(txn, one))
        return out

    def _write(self, txn, parsed):
        s = txn.session
        data = parsed.data
        rules = [policyfile.with_defaults(r) for r in data['rules']]
        policy = s.scalar(sa.select(models.Policy).where(
            models.Policy.name == data['name']))
        new_rules = [_rule_json(r) for r in rules]
        if policy is not None and policy.checksum == parsed.checksum:
            return {'name': policy.name, 'version': policy.version,
                    'rules': len(rules), 'action': 'unchanged'}
        if policy is None:
            policy = models.Policy(
                name=data['name'], description=data.get('description'),
                source=parsed.file, content=parsed.text,
                checksum=parsed.checksum, version=1)
            s.add(policy)
            s.flush()
            action, old_rules = 'created', None
            txn.record('create', 'policy', policy.id, policy.name)
        else:
            action = 'updated'
            old_rules = [_rule_json(rule_dict(r)) for r in s.scalars(
                sa.select(models.AuditRule).where(
                    models.AuditRule.policy_id == policy.id).order_by(
                    models.AuditRule.position))]
            gone = {r['name'] for r in old_rules} - {r['name']
                                                     for r in rules}
            s.execute(sa.delete(models.AuditRule).where(
                models.AuditRule.policy_id == policy.id))
            policy.version += 1
            policy.description = data.get('description')
            policy.source = parsed.file
            policy.content = parsed.text
            policy.checksum = parsed.checksum
            _resolve_rules(txn, gone, 'rule removed from policy %s'
                           % policy.name)
        txn.record('update' if old_rules is not None else 'create', 'policy',
                   policy.id, policy.name, field='version',
                   old=None if old_rules is None else policy.version - 1,
                   new=policy.version)
        txn.record('update' if old_rules is not None else 'create', 'policy',
                   policy.id, policy.name, field='rules', old=old_rules,
                   new=new_rules)
        s.flush()
        s.execute(sa.insert(models.AuditRule), [
            _rule_row(policy.id, i, r) for i, r in enumerate(rules)])
        return {'name': policy.name, 'version': policy.version,
                'rules': len(rules), 'action': action}

    def list(self, ctx):
        """Loaded policies: name, version, rules, enabled rules, source."""
        p, r = models.Policy, models.AuditRule
        with self.fleet.reading() as s:
            counts = {pid: (n, on) for pid, n, on in s.execute(
                sa.select(r.policy_id, sa.func.count(),
                          sa.func.sum(sa.case((r.enabled, 1), else_=0)))
                .group_by(r.policy_id))}
            out = []
            for pol in s.scalars(sa.select(p).order_by(p.name)):
                n, on = counts.get(pol.id, (0, 0))
                out.append({'name': pol.name, 'version': pol.version,
                            'rules': n, 'enabled_rules': int(on or 0),
                            'description': pol.description,
                            'source': pol.source,
                            'updated_at': pol.updated_at})
            return out

    def show(self, ctx, name):
        """One policy with its rules (``rules``: a list of rule dicts)."""
        with self.fleet.reading() as s:
            pol = self._get(s, name)
            rules = [rule_dict(r, pol.name) for r in s.scalars(
                sa.select(models.AuditRule).where(
                    models.AuditRule.policy_id == pol.id).order_by(
                    models.AuditRule.position))]
            return {'name': pol.name, 'version': pol.version,
                    'description': pol.description, 'source': pol.source,
                    'checksum': pol.checksum, 'created_at': pol.created_at,
                    'updated_at': pol.updated_at, 'rules': rules}

    def delete(self, ctx, name):
        """Delete a policy and its rules; their open findings resolve."""
        with self.fleet.transaction(ctx) as txn:
            s = txn.session
            pol = self._get(s, name)
            names = list(s.scalars(sa.select(models.AuditRule.name).where(
                models.AuditRule.policy_id == pol.id)))
            txn.record('delete', 'policy', pol.id, pol.name,
                       field='version', old=pol.version)
            _resolve_rules(txn, names, 'policy %s deleted' % pol.name)
            s.execute(sa.delete(models.AuditRule).where(
                models.AuditRule.policy_id == pol.id))
            s.delete(pol)

    def rules(self, ctx, policy=None, names=None, session=None):
        """Rules to run, in policy then file order, as rule dicts.

        :param policy: only this policy's rules.
        :param names: only these rules (named rules run even when
            disabled? no: a disabled rule never runs -- asking for one is
            an error).
        :raises fleet.common.exception.NotFound: an unknown policy or rule.
        :raises fleet.common.exception.Invalid: a named rule is disabled.
        """
        p, r = models.Policy, models.AuditRule

        def read(s):
            q = sa.select(r, p.name).join(p, p.id == r.policy_id)
            if policy is not None:
                q = q.where(p.id == self._get(s, policy).id)
            q = q.order_by(p.name, r.position)
            rows = [(row, pname) for row, pname in s.execute(q)]
            if names:
                by_name = {row.name: (row, pname) for row, pname in rows}
                for n in names:
                    if n not in by_name:
                        raise exception.NotFound('rule', n, in_=(
                            ' in policy %r' % policy if policy else ''),
                            field='rule')
                    if not by_name[n][0].enabled:
                        raise exception.Invalid(
                            'rule', 'rule %r is disabled' % n,
                            'set enabled: true in its policy file and load '
                            'it again')
                rows = [x for x in rows if x[0].name in set(names)]
            return [rule_dict(row, pname) for row, pname in rows
                    if row.enabled]
        if session is not None:
            return read(session)
        with self.fleet.reading() as s:
            return read(s)

    @staticmethod
    def _get(s, name):
        pol = s.scalar(sa.select(models.Policy).where(
            models.Policy.name == name))
        if pol is None:
            raise exception.NotFound('policy', name, field='policy')
        return pol


def _resolve_rules(txn, rule_names, why):
    """Resolve the open findings of rules that are gone."""
    from fleet.api.audit import findings

    if rule_names:
        findings.resolve_where(txn, models.Finding.rule.in_(
            sorted(rule_names)), why)
