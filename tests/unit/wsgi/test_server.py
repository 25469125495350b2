"""fleet-api's command line and the configuration of WSGI entry points."""

import io
import os
import sys

import fixtures

from fleet.wsgi import config
from fleet.wsgi import server
from tests import base


class TestServer(base.FleetTestCase):

    def run_main(self, argv):
        err = io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', err))
        rc = server.main(argv)
        return rc, err.getvalue()

    def test_missing_config_file_is_one_line_exit_2(self):
        rc, err = self.run_main(['--config-file', '/nonexistent/fleet.conf'])
        self.assertEqual(2, rc)
        self.assertEqual(1, len(err.splitlines()), err)
        self.assertIn('/nonexistent/fleet.conf', err)

    def test_token_strategy_without_file_is_exit_2(self):
        path = os.path.join(self.state_dir, 'api.conf')
        with open(path, 'w') as f:
            f.write('[api]\nauth_strategy = token\n')
        rc, err = self.run_main(['--config-file', path])
        self.assertEqual(2, rc)
        self.assertIn('fleet-api: [api] token_file: not set', err)

    def test_bad_option_value_is_exit_2(self):
        path = os.path.join(self.state_dir, 'api.conf')
        with open(path, 'w') as f:
            f.write('[api]\nauth_strategy = trust-me\n')
        rc, err = self.run_main(['--config-file', path])
        self.assertEqual(2, rc)
        self.assertIn('auth_strategy', err)

    def test_gunicorn_options_from_api_group(self):
        self.conf.set_override('host', '::1', group='api')
        self.conf.set_override('port', 9999, group='api')
        self.conf.set_override('workers', 3, group='api')
        opts = server.gunicorn_options(self.conf)
        self.assertEqual(('[::1]:9999', 3, True),
                         (opts['bind'], opts['workers'],
                          opts['control_socket_disable']))
        # Every name is a real gunicorn setting.
        from gunicorn import config as g_config
        known = g_config.Config().settings
        self.assertEqual([], sorted(set(opts) - set(known)))

    def test_config_files_from_environment(self):
        self.assertEqual(['/a.conf', '/b.conf', '/c.conf'],
                         config.files_from_environ({
                             'FLEET_CONFIG_FILE': '/a.conf',
                             'OS_FLEET_CONFIG_FILES': '/b.conf;/c.conf;'}))
        self.assertEqual([], config.files_from_environ({}))

    def test_argv_is_never_parsed_by_the_wsgi_module(self):
        # What a WSGI server leaves in sys.argv must not reach oslo.config.
        self.useFixture(fixtures.MonkeyPatch(
            'sys.argv', ['uwsgi', '--module', 'fleet.wsgi.api:application',
                         '--processes', '2']))
        path = os.path.join(self.state_dir, 'api.conf')
        with open(path, 'w') as f:
            f.write('[api]\nauth_strategy = noauth\n')
        self.useFixture(fixtures.EnvironmentVariable('FLEET_CONFIG_FILE',
                                                     path))
        app = config.application_from_environ()
        self.assertTrue(callable(app))
        self.assertEqual('noauth', self.conf.api.auth_strategy)
        self.assertEqual('uwsgi', sys.argv[0])
