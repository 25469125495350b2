"""Policy file checks: every mistake, with its exact line and column."""

import os
import textwrap

import testtools

from fleet.api.audit import policyfile
from fleet.api.audit import schema as policy_schema
from fleet.plugins.auditors import ha
from fleet.plugins.auditors import threshold

SCHEMAS = {'threshold': threshold.ThresholdAuditor.parameter_schema,
           'ha': ha.HAAuditor.parameter_schema,
           'broken': 'ImportError: no module named nothing'}
INVENTORY = policyfile.Inventory({'RegionOne'}, {'cell1'}, {'k1', 'k2'})
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))


def problems(*texts, max_size=10000, taken=None):
    found = []
    parsed = []
    for i, text in enumerate(texts):
        one = policyfile.parse('p%d.yaml' % i, textwrap.dedent(text),
                               max_size, found)
        if one is not None:
            parsed.append(one)
    found += policyfile.check(parsed, SCHEMAS, INVENTORY, taken)
    return sorted((p.file, p.line, p.column, p.field, p.message)
                  for p in found)


class TestPolicyFile(testtools.TestCase):

    def test_valid_file_has_no_problem(self):
        self.assertEqual([], problems('''\
            name: ok
            rules:
              - name: hot
                selector: {region: RegionOne, rack: [k1, k2]}
                auditor: threshold
                params: {metric: temperature.*, status: critical, for: 5m}
                remediation: {workflow: fleet.drain_host, input: {a: 1}}
                mode: auto
                repeat: {count: 3, window: 1h}
            '''))

    def test_every_mistake_located_by_line_column_and_field(self):
        got = problems('''\
            name: bad
            colour: blue
            rules:
              - name: hot
                auditor: thermometer
                severity: dire
              - name: hot
                selector:
                  region: Atlantis
                  rack: [k1, k9]
                  exclude: {cell: nocell}
                auditor: threshold
                params:
                  metric: temperature.*
                  above: "ninety"
                  for: 5 minutes
              - name: spread
                auditor: ha
                params: {check: spread, min: 0, colour: red}
                mode: sometimes
                repeat: {count: 3}
              - auditor: broken
            ''')
        self.assertEqual([
            ('p0.yaml', 2, 1, 'colour',
             "unknown field 'colour'; known fields: description, name, "
             "rules"),
            ('p0.yaml', 5, 14, 'rules[0].auditor',
             "unknown auditor 'thermometer'; enabled auditors: ha, "
             "threshold ([audit] enabled_auditors)"),
            ('p0.yaml', 6, 15, 'rules[0].severity',
             "'dire' is not one of info, warning, critical"),
            ('p0.yaml', 7, 11, 'rules[1].name',
             "duplicate rule name 'hot' (also in policy bad)"),
            ('p0.yaml', 9, 15, 'rules[1].selector.region',
             "no region named 'Atlantis' in the inventory; known: "
             "RegionOne"),
            ('p0.yaml', 10, 18, 'rules[1].selector.rack[1]',
             "no rack named 'k9' in the inventory; known: k1, k2"),
            ('p0.yaml', 11, 23, 'rules[1].selector.exclude.cell',
             "no cell named 'nocell' in the inventory; known: cell1"),
            ('p0.yaml', 15, 14, 'rules[1].params.above',
             'must be number, not string'),
            ('p0.yaml', 16, 12, 'rules[1].params.for',
             "'5 minutes' does not match '^[0-9]{1,6}[smhd]$'"),
            ('p0.yaml', 19, 34, 'rules[2].params.min',
             '0 is less than the minimum of 1'),
            ('p0.yaml', 19, 37, 'rules[2].params.colour',
             "unknown field 'colour'; known fields: across, check, "
             "group_by, group_var, label_prefix, min"),
            ('p0.yaml', 20, 11, 'rules[2].mode',
             "'sometimes' is not one of notify, approve, auto"),
            ('p0.yaml', 21, 13, 'rules[2].repeat',
             "missing required field 'window'"),
            ('p0.yaml', 22, 5, 'rules[3]', "missing required field 'name'"),
            ('p0.yaml', 22, 14, 'rules[3].auditor',
             "auditor 'broken' cannot be used: ImportError: no module "
             "named nothing"),
        ], got)

    def test_yaml_error_located(self):
        self.assertEqual([('p0.yaml', 3, 9, '(document)',
                           "YAML error: expected ',' or ']', but got '}'")],
                         problems('name: x\nrules: [\n  {a: 1}}\n'))

    def test_duplicate_key_and_duplicate_rule_across_files(self):
        got = problems('''\
            name: a
            rules:
              - {name: r1, auditor: ha, params: {check: spread}}
            name: again
            ''', '''\
            name: b
            rules:
              - {name: r1, auditor: ha, params: {check: spread}}
              - {name: r2, auditor: ha, params: {check: spread}}
            ''', taken={'r2': 'loaded'})
        self.assertEqual([
            ('p0.yaml', 4, 1, 'name', "duplicate key 'name'"),
            ('p1.yaml', 3, 12, 'rules[0].name',
             "duplicate rule name 'r1' (also in policy again)"),
            ('p1.yaml', 4, 12, 'rules[1].name',
             "duplicate rule name 'r2' (also in policy loaded)"),
        ], got)

    def test_huge_file_refused_before_parsing(self):
        text = 'name: big\nrules: []\n# ' + 'x' * 200 + '\n'
        self.assertEqual([('p0.yaml', 1, 1, '(document)',
                           'file is %d bytes, more than the limit of 100 '
                           '([audit] max_policy_size)' % len(text))],
                         problems(text, max_size=100))

    def test_not_a_mapping_and_several_documents(self):
        self.assertEqual([('p0.yaml', 1, 1, '(document)',
                           'must be object, not list')],
                         [p[:4] + (p[4].replace('mapping', 'object'),)
                          for p in problems('- a\n- b\n')])
        self.assertEqual([('p0.yaml', 1, 1, '(document)',
                           'a policy file holds exactly one YAML document '
                           '(found 2)')],
                         problems('name: a\n---\nname: b\n'))

    def test_reference_generated_from_schema_is_current(self):
        path = os.path.join(REPO, 'doc', 'source', 'user',
                            'policy-reference.rst')
        with open(path) as f:
            self.assertEqual(policy_schema.reference_rst(), f.read(),
                             'regenerate: python -m fleet.api.audit.schema '
                             '> doc/source/user/policy-reference.rst')

    def test_threshold_alert_params(self):
        self.assertEqual([], problems('''\
            name: alerts
            rules:
              - name: fans
                auditor: threshold
                params: {alert: "Fan*", matchers: [severity=critical],
                         for: 10m}
            '''))
        self.assertEqual([
            ('p0.yaml', 3, 54, 'rules[0].params.above',
             'not allowed with alert (a rule checks readings or alerts)'),
            ('p0.yaml', 4, 43, 'rules[1].params',
             'matchers needs alert'),
            ('p0.yaml', 5, 65, 'rules[2].params.matchers[0]',
             "'fan' is not a matcher: name=value, name!=value, "
             "name=~regex or name!~regex"),
            ('p0.yaml', 6, 43, 'rules[3].params',
             'must be a metric with status, above or below; or an alert'),
        ], problems('''\
            name: bad
            rules:
              - {name: a, auditor: threshold, params: {alert: X, above: 3}}
              - {name: b, auditor: threshold, params: {metric: m, status: critical, matchers: [a=b]}}
              - {name: c, auditor: threshold, params: {alert: X, matchers: [fan]}}
              - {name: d, auditor: threshold, params: {for: 5m}}
            '''))  # noqa: E501
