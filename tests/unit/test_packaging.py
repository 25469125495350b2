"""What setup.cfg ships besides the package: workbooks and playbooks.

pbr expands a ``data_files`` source only when it ends with ``*`` (a whole
directory); anything else is copied as named, and a pattern such as
``workbooks/*.yaml`` makes building the wheel fail.
"""

import configparser
import os
import shlex

import testtools

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))


def data_files():
    """``{target directory: [source files]}`` as pbr expands them."""
    from pbr.hooks import files

    parser = configparser.ConfigParser()
    parser.read(os.path.join(ROOT, 'setup.cfg'))
    config = {name: dict(parser[name]) for name in parser.sections()}
    hook = files.FilesConfig(config, 'openstack-fleet')
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        hook.expand_globs()
    finally:
        os.chdir(cwd)
    out, target = {}, None
    for line in hook.data_files.splitlines():
        if '=' in line:
            target, _sep, rest = line.partition('=')
            target = shlex.split(target)[0].rstrip('/')
            out.setdefault(target, []).extend(shlex.split(rest))
        elif line.strip() and target:
            out[target].extend(shlex.split(line))
    return out


class TestDataFiles(testtools.TestCase):

    def test_every_source_is_a_file_and_both_kinds_ship(self):
        got = data_files()
        for target, sources in got.items():
            for source in sources:
                self.assertTrue(os.path.isfile(os.path.join(ROOT, source)),
                                '%s -> %s' % (source, target))
        self.assertIn('workbooks/fleet_host.yaml',
                      got['share/openstack-fleet/workbooks'])
        self.assertIn('playbooks/fleet_facts.yml',
                      got['share/openstack-fleet/playbooks'])
