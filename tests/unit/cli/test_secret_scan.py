"""The suite's own guard: every CLI test is scanned for leaked secrets."""

from tests.unit.cli import base


class TestSecretScan(base.CLITestCase):

    def test_scan_finds_a_stored_secret_in_output(self):
        self.make_place()
        self.fleet_cli('device', 'create', 'node-1')
        self.fleet_cli('var', 'set', 'node-1', '--secret', 'pw=hunter22')
        self.assertIn('hunter22', self.secret_values())
        self.outputs.append((['device', 'show'], 'pw is hunter22', ''))
        self.assertRaises(AssertionError, self.assert_no_secret_leaked)
        self.outputs.pop()
        # Asked for: an export with --include-secrets may hold it.
        self.outputs.append((['--include-secrets'], 'hunter22', ''))
        self.assert_no_secret_leaked()
