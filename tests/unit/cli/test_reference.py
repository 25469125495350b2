"""The CLI reference (doc/source/cli/index.rst) shows every command.

The docs build fails on the same two mistakes (``sphinx-build -W``, see
``doc/source/conf.py``); this test finds them without building the docs.
"""

import fnmatch
import os
import re

from cliff import commandmanager
import testtools

NAMESPACE = 'openstack.fleet.v1'
INDEX = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'doc',
                     'source', 'cli', 'index.rst')
DIRECTIVE = re.compile(r'^\.\. autoprogram-cliff:: (\S+)\n'
                       r'(?:   :\w+:.*\n)*?   :command: (.+)$', re.M)


class TestCLIReference(testtools.TestCase):

    def setUp(self):
        super().setUp()
        with open(INDEX) as f:
            self.patterns = [pattern.strip() for namespace, pattern
                             in DIRECTIVE.findall(f.read())
                             if namespace == NAMESPACE]
        self.commands = sorted(commandmanager.CommandManager(
            NAMESPACE).commands)

    def test_every_command_is_documented(self):
        missing = [c for c in self.commands
                   if not any(fnmatch.fnmatch(c, p) for p in self.patterns)]
        self.assertEqual([], missing)

    def test_every_pattern_matches_a_command(self):
        self.assertNotEqual([], self.patterns)
        empty = [p for p in self.patterns
                 if not fnmatch.filter(self.commands, p)]
        self.assertEqual([], empty)
