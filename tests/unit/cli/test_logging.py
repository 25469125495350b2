"""Errors reach the person who ran the command, with or without a log file.

``[DEFAULT] log_file`` sends fleet's logs to a file (oslo.log); the error of
a failed command must still be one line on stderr, and the log file gets it
too. Both ways in: the ``fleet`` console script and ``openstack fleet``.
"""

import logging
import os

from tests.unit.cli import base

NOT_FOUND = "No device named 'nope'. See: fleet device list.\n"


class TestErrorsWithLogFile(base.CLITestCase):

    def setUp(self):
        super().setUp()
        root = logging.getLogger()
        handlers, level = list(root.handlers), root.level
        self.addCleanup(self._restore, handlers, level)
        self.log_file = os.path.join(self.home, 'fleet.log')
        with open(self.config_file, 'a') as f:
            f.write('[DEFAULT]\nlog_file = %s\n' % self.log_file)

    @staticmethod
    def _restore(handlers, level):
        root = logging.getLogger()
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
                handler.close()
        for handler in handlers:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(level)

    def logged(self):
        with open(self.log_file) as f:
            return f.read()

    def test_fleet_in_process(self):
        res = self.fleet_cli('device', 'show', 'nope', expect=1)
        self.assertEqual(NOT_FOUND, res.err)
        self.assertIn(NOT_FOUND.strip(), self.logged())

    def test_fleet_console_script(self):
        res = self.script('fleet', 'device', 'show', 'nope', expect=1)
        self.assertEqual(NOT_FOUND, res.err)
        self.assertEqual('', res.out)
        self.assertIn(NOT_FOUND.strip(), self.logged())

    def test_openstack_fleet(self):
        res = self.script('openstack', 'fleet', 'device', 'show', 'nope',
                          expect=1)
        self.assertEqual(NOT_FOUND, res.err)
        self.assertIn(NOT_FOUND.strip(), self.logged())

    def test_success_writes_nothing_on_stderr(self):
        self.make_place()
        res = self.fleet_cli('device', 'create', 'node-1')
        self.assertEqual('', res.err)
        res = self.script('openstack', 'fleet', 'device', 'list')
        self.assertEqual('', res.err)

    def test_log_file_only_without_console_noise(self):
        """A second error in the same process is still shown once."""
        self.fleet_cli('device', 'show', 'nope', expect=1)
        res = self.fleet_cli('device', 'show', 'nope', expect=1)
        self.assertEqual(NOT_FOUND, res.err)
