"""fleet.api.validate: the limits, derived from the models and documented.

The checks themselves are exercised through the CLI on every backend by
the hostile-input corpus (tests/unit/hostile).
"""

import os
import re

import testtools

from fleet.api import validate
from fleet.common import exception
from fleet.db import models

DOC = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'doc',
                   'source', 'user', 'inventory.rst')


def documented_limits():
    """{field: number} from the Limits table of the inventory guide."""
    with open(DOC, encoding='utf-8') as f:
        text = f.read().split('.. _inventory-limits:', 1)[1]
    lines = text.splitlines()
    borders = [i for i, line in enumerate(lines)
               if re.fullmatch(r'=+ +=+', line)][:3]
    split = len(re.match(r'=+ +', lines[borders[0]]).group(0))
    limits = {}
    for line in lines[borders[1] + 1:borders[2]]:
        field, limit = line[:split].strip(), line[split:].strip()
        number = re.match(r'(\d+) ', limit)
        if field and number:
            limits[field.split(' (')[0]] = int(number.group(1))
    return limits


class TestLimits(testtools.TestCase):

    def test_limits_follow_the_columns(self):
        self.assertEqual(models.Device.__table__.c.serial.type.length,
                         validate.MAX_LENGTH['serial'])
        # "vars.KEY" must fit the change log's field column.
        self.assertEqual(models.Change.__table__.c.field.type.length,
                         validate.MAX_LENGTH['key'] + len('vars.'))

    def test_documented_limits_are_the_code_limits(self):
        expected = dict(validate.MAX_LENGTH)
        expected['variable value'] = validate.MAX_VALUE_BYTES
        expected['variable nesting'] = validate.MAX_DEPTH
        self.assertEqual(expected, documented_limits())

    def test_key_of_the_maximum_length_fits(self):
        key = 'k' * validate.MAX_LENGTH['key']
        self.assertEqual(key, validate.key(key))
        self.assertRaises(exception.Invalid, validate.key, key + 'k')

    def test_depth_limit(self):
        deep = []
        for _ in range(validate.MAX_DEPTH - 1):
            deep = [deep]
        validate.value('ok', deep)
        self.assertRaises(exception.Invalid, validate.value, 'x', [deep])

    def test_uuid_canonical(self):
        self.assertEqual('6f1c1a3e-1d2b-4c5d-8e9f-0a1b2c3d4e5f',
                         validate.uuid('{6F1C1A3E1D2B4C5D8E9F0A1B2C3D4E5F}'))

    def test_addresses(self):
        for ok in ('10.0.0.1', 'fe80::1', 'bmc-1.example.com', 'node1',
                   'host.example.'):
            self.assertEqual(ok, validate.mgmt_address(ok))
        for bad in ('-x.example.com', 'a..b', 'http://10.0.0.1/', '',
                    '10.0.0.1 ', 'ünï.example'):
            self.assertRaises(exception.Invalid, validate.mgmt_address, bad)
