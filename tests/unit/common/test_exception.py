"""Structured service-layer errors and the CLI's rendering of them."""

import re
import subprocess

import testtools

from fleet.cli import errors
from fleet.common import exception


class TestStructuredErrors(testtools.TestCase):

    def test_to_dict_carries_the_fields_not_cli_words(self):
        err = exception.Invalid('region', 'no region given', 'name one',
                                hint='name_parent')
        self.assertEqual({'error': 'invalid', 'field': 'region',
                          'hint': 'name_parent',
                          'message': 'region: no region given; name one'},
                         err.to_dict())
        self.assertNotIn('--', err.message)
        self.assertEqual('--region: no region given; name one with '
                         '--region', errors.render_error(err))

    def test_every_hint_the_service_layer_uses_is_declared(self):
        out = subprocess.run(['grep', '-rhoE', r"hint='[a-z_]+'", 'fleet'],
                             capture_output=True, text=True).stdout
        used = set(re.findall(r"hint='([a-z_]+)'", out))
        self.assertTrue(used)
        self.assertEqual(set(), used - set(exception.HINTS))
        # The CLI words every hint but name_parent (rendered as an option)
        # and enable_plugin (the message itself names the option).
        self.assertEqual(set(), set(exception.HINTS) - set(errors.HINT_TEXT)
                         - {'name_parent', 'enable_plugin'})
