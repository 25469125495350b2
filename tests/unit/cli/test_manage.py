"""fleet-manage db upgrade|version."""

import io
import os

from fleet.cli import manage
from tests.unit.cli import base


class TestManage(base.CLITestCase):

    def run_manage(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        code = manage.main(['--config-file', self.config_file] + list(argv),
                           stdout=out, stderr=err)
        return code, out.getvalue(), err.getvalue()

    def test_upgrade_and_version_on_empty_database(self):
        url = 'sqlite:///' + os.path.join(self.home, 'new.sqlite')
        with open(self.config_file, 'w') as f:
            f.write('[database]\nconnection = %s\n' % url)
        self.conf.clear_override('connection', group='database')
        self.assertEqual((0, 'empty (run: fleet-manage db upgrade)\n', ''),
                         self.run_manage('db', 'version'))
        self.assertEqual((0, 'Database upgraded from empty to 0002.\n', ''),
                         self.run_manage('db', 'upgrade'))
        self.assertEqual((0, 'Database already at revision 0002.\n', ''),
                         self.run_manage('db', 'upgrade'))
        self.assertEqual((0, '0002\n', ''), self.run_manage('db', 'version'))

    def test_missing_config_file(self):
        out_io, err_io = io.StringIO(), io.StringIO()
        code = manage.main(['--config-file', '/nonexistent.conf', 'db',
                            'version'], stdout=out_io, stderr=err_io)
        self.assertEqual(1, code)
        self.assertEqual('fleet-manage: Configuration file /nonexistent.conf '
                         'not found; check --config-file or '
                         'FLEET_CONFIG_FILE.\n', err_io.getvalue())
