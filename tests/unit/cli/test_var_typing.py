"""How ``fleet var set KEY=VALUE`` types VALUE (fleet.common.values).

Malformed JSON and the other refusals are in tests/unit/hostile.
"""

from tests.unit.cli import base

#: What was typed, and the value stored.
TYPED = [
    ('6.10', '6.10'), ('007', '007'), ('1e3', '1e3'), ('+1', '+1'),
    ('-0', '-0'), (' 8', ' 8'), ('6.1.0', '6.1.0'), ('True', 'True'),
    ('NaN', 'NaN'), ('-Infinity', '-Infinity'), ('', ''),
    ('pool.ntp.org', 'pool.ntp.org'),
    ('8', 8), ('-3', -3), ('2.5', 2.5), ('12345678901234567890',
                                         12345678901234567890),
    ('true', True), ('false', False), ('null', None),
    ('[1, 2]', [1, 2]), ('{"a": {"b": [true]}}', {'a': {'b': [True]}}),
    ('"8"', '8'), ('"[not a list"', '[not a list'), (' [1]', [1]),
]


class TestVarTyping(base.CLITestCase):

    def setUp(self):
        super().setUp()
        self.make_place().devices.create(self.ctx, 'node-1',
                                         region='RegionOne')

    def test_values_keep_their_text_unless_json(self):
        argv = ['v%d=%s' % (i, text) for i, (text, _v) in enumerate(TYPED)]
        self.fleet_cli('var', 'set', 'node-1', *argv)
        got = {r['Key']: r['Value'] for r in self.fleet_json(
            'var', 'show', 'node-1')}
        self.assertEqual({'v%d' % i: value
                          for i, (_t, value) in enumerate(TYPED)}, got)

    def test_main_job_assignments(self):
        # tools/main-job sets these; their meaning is unchanged.
        self.fleet_cli('var', 'set', '--scope', 'defaults',
                       'ntp_servers=["pool.ntp.org"]')
        self.fleet_cli('var', 'set', '--scope', 'region', 'RegionOne',
                       'syslog_server=log.lab.example')
        got = {r['Key']: r['Value'] for r in self.fleet_json(
            'var', 'show', 'node-1', '--resolved')}
        self.assertEqual({'ntp_servers': ['pool.ntp.org'],
                          'syslog_server': 'log.lab.example'}, got)

    def test_help_says_how_values_are_typed(self):
        out = self.fleet_cli('help', 'var', 'set').out
        for fragment in ('6.10', '007', 'must parse', '32 KiB'):
            self.assertIn(fragment, ' '.join(out.split()))
