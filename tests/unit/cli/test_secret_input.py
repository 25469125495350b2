"""Secret values kept out of argv (files, stdin, environment), and a
secret key never turned plain without being told."""

import io
import os
import stat

import fixtures

from fleet.common import exception
from tests.unit.cli import base

SECRET = 'Fr0m-A-F1le-N0t-Argv'


class TestSecretInput(base.CLITestCase):

    def setUp(self):
        super().setUp()
        self.api = self.make_place()
        self.api.devices.create(self.ctx, 'node-1', region='RegionOne')

    def secret(self, key='pw', device='node-1'):
        return self.api.variables.secret_value(self.ctx, device, key)

    def shown(self):
        return {v['key']: (v['value'], v['secret'])
                for v in self.api.variables.show(self.ctx, 'device', 'node-1')}

    def test_secret_file_with_plain_values_in_one_go(self):
        path = os.path.join(self.home, 'pw')
        with open(path, 'w') as f:
            f.write(SECRET + '\n')
        self.fleet_cli('var', 'set', 'node-1', 'user=admin',
                       '--secret-file', 'pw=%s' % path)
        self.assertEqual(SECRET, self.secret())
        self.assertEqual({'user': ('admin', False), 'pw': ('******', True)},
                         self.shown())
        self.assertEqual(1, len({c['request_id'] for c in
                                 self.api.changes.list(self.ctx, limit=2)}))

    def test_secret_stdin_from_a_pipe(self):
        self.useFixture(fixtures.MonkeyPatch('sys.stdin',
                                             io.StringIO(SECRET + '\n')))
        self.fleet_cli('var', 'set', 'node-1', '--secret-stdin', 'pw')
        self.assertEqual(SECRET, self.secret())

    def test_secret_stdin_on_a_terminal_prompts_without_echo(self):
        tty = io.StringIO('')
        tty.isatty = lambda: True
        self.useFixture(fixtures.MonkeyPatch('sys.stdin', tty))
        prompts = []
        self.useFixture(fixtures.MonkeyPatch(
            'getpass.getpass', lambda prompt: prompts.append(prompt) or
            SECRET))
        self.fleet_cli('var', 'set', 'node-1', '--secret-stdin', 'pw')
        self.assertEqual(['Value of pw: '], prompts)
        self.assertEqual(SECRET, self.secret())

    def test_secret_env_and_defaults_scope(self):
        self.useFixture(fixtures.EnvironmentVariable('FLEET_TEST_PW', SECRET))
        self.fleet_cli('var', 'set', '--scope', 'defaults', '--secret-env',
                       'pw=FLEET_TEST_PW')
        self.assertEqual(SECRET, self.secret())

    def test_bad_secret_options_are_one_line(self):
        cases = [
            (('--secret-file', 'pw'), "--secret-file: expected KEY=PATH, "
                                      "got 'pw'.\n"),
            (('--secret-file', 'pw=/nonexistent'),
             '--secret-file: cannot read /nonexistent: No such file or '
             'directory.\n'),
            (('--secret-env', 'pw=FLEET_NO_SUCH_VAR'),
             '--secret-env: environment variable FLEET_NO_SUCH_VAR is not '
             'set.\n'),
            (('--secret-env', 'pw=HOME', '--no-secret'),
             '--no-secret: values of --secret-file, --secret-stdin and '
             '--secret-env are always secret; drop one of them.\n'),
            (('--secret-env', 'pw=HOME', 'pw=x'),
             "vars.pw: key 'pw' is under both values and secrets; keep it "
             "in one of them\n"),
        ]
        for args, err in cases:
            res = self.fleet_cli('var', 'set', 'node-1', *args, expect=1)
            self.assertEqual(err, res.err, args)
        self.assertEqual({}, self.shown())

    def test_help_recommends_the_secret_options(self):
        res = self.fleet_cli('help', 'var', 'set')
        for text in ('--secret-file', '--secret-stdin', '--secret-env',
                     'prefer --secret-file', 'Recommended'):
            self.assertIn(text, res.out.replace('\n', ' ').replace(
                '  ', ' '))

    def test_debug_output_of_openstack_has_no_secret(self):
        """OSC's --debug prints argv (its START line): none of it here."""
        res = self.script('openstack', '--debug', 'fleet', 'var', 'set',
                          'node-1', '--secret-env', 'pw=FLEET_TEST_PW',
                          env={'FLEET_TEST_PW': SECRET})
        self.assertIn('START with options', res.err)
        self.assertNotIn(SECRET, res.out + res.err)
        self.assertEqual(SECRET, self.secret())

    def test_secret_key_set_without_secret_is_refused(self):
        self.fleet_cli('var', 'set', 'node-1', '--secret-env', 'pw=HOME')
        res = self.fleet_cli('var', 'set', 'node-1', 'pw=clear', expect=1)
        self.assertEqual("vars.pw: 'pw' is a secret variable; set this way "
                         "it would be stored in clear. Give --secret to keep "
                         "it secret, or --no-secret to store it in clear.\n",
                         res.err)
        self.assertEqual({'pw': ('******', True)}, self.shown())
        self.fleet_cli('var', 'set', 'node-1', '--secret', 'pw=new')
        self.assertEqual('new', self.secret())
        self.fleet_cli('var', 'set', 'node-1', '--no-secret', 'pw=clear')
        self.assertEqual({'pw': ('clear', False)}, self.shown())
        res = self.fleet_cli('var', 'set', 'node-1', '--secret',
                             '--no-secret', 'pw=x', expect=2)
        self.assertIn('not allowed with argument', res.err)

    def test_python_api_refuses_unless_told(self):
        v = self.api.variables
        v.set(self.ctx, 'device', 'node-1', {'pw': SECRET}, secret=True)
        err = self.assertRaises(exception.Invalid, v.set, self.ctx,
                                'device', 'node-1', {'pw': 'clear'})
        self.assertEqual(('vars.pw', 'keep_secret'), (err.field, err.hint))
        self.assertEqual(SECRET, self.secret())
        v.set(self.ctx, 'device', 'node-1', {'pw': 'clear'}, secret=False)
        self.assertEqual({'pw': ('clear', False)}, self.shown())


class TestExportFile(base.CLITestCase):
    """inventory export --output: mode 0600 and atomic, file new or not."""

    def setUp(self):
        super().setUp()
        api = self.make_place()
        api.devices.create(self.ctx, 'node-1', region='RegionOne')
        api.variables.set(self.ctx, 'device', 'node-1', {'pw': SECRET},
                          secret=True)
        self.out = os.path.join(self.home, 'inventory.json')

    def export(self):
        self.fleet_cli('inventory', 'export', '--include-secrets',
                       '--output', self.out)
        with open(self.out) as f:
            self.assertIn(SECRET, f.read())
        self.assertEqual(0o600, stat.S_IMODE(os.stat(self.out).st_mode))
        self.assertEqual(['inventory.json'], [
            n for n in os.listdir(self.home)
            if n.startswith(('inventory', '.inventory'))])

    def test_new_file(self):
        self.export()

    def test_existing_file_open_to_others(self):
        with open(self.out, 'w') as f:
            f.write('old contents\n')
        os.chmod(self.out, 0o644)
        before = os.stat(self.out).st_ino
        self.export()
        # Replaced by rename, not rewritten in place.
        self.assertNotEqual(before, os.stat(self.out).st_ino)

    def test_failed_write_leaves_the_old_file_and_no_temporary(self):
        """A write that fails (disk full, forced) changes nothing."""
        import errno
        with open(self.out, 'w') as f:
            f.write('old contents\n')

        def full(*_args):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.useFixture(fixtures.MonkeyPatch('os.replace', full))
        res = self.fleet_cli('inventory', 'export', '--include-secrets',
                             '--output', self.out, expect=1)
        self.assertEqual('--output: cannot write %s: No space left on '
                         'device\n' % self.out, res.err)
        with open(self.out) as f:
            self.assertEqual('old contents\n', f.read())
        self.assertEqual([], [n for n in os.listdir(self.home)
                              if n.startswith('.inventory')])
