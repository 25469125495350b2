# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Sphinx configuration of the openstack-fleet documentation.

Build with ``tox -e docs`` or
``sphinx-build -W -b html doc/source doc/build/html``. The package must be
installed: the CLI reference, the plugin catalogue and the configuration
reference are generated from its entry points.
"""

import importlib.util

# -- General ----------------------------------------------------------------

extensions = [
    'sphinx.ext.autodoc',
    'cliff.sphinxext',
    'oslo_config.sphinxext',
    'oslo_config.sphinxconfiggen',
    'stevedore.sphinxext',
]

# openstackdocstheme is optional: without it the build falls back to
# Sphinx's own theme and still passes with -W.
HAVE_OPENSTACKDOCSTHEME = (
    importlib.util.find_spec('openstackdocstheme') is not None)
if HAVE_OPENSTACKDOCSTHEME:
    extensions.append('openstackdocstheme')

project = 'openstack-fleet'
copyright = '2026, openstack-fleet developers'
author = 'openstack-fleet developers'

source_suffix = '.rst'
master_doc = 'index'
exclude_patterns = ['_build']
pygments_style = 'native'

# oslo_config.sphinxconfiggen writes _static/fleet.conf.sample (not in git)
# from the same generator file that "tox -e genconfig" uses.
config_generator_config_file = '../../etc/fleet/fleet-config-generator.conf'
sample_config_basename = '_static/fleet'

# cliff.sphinxext: commands are shown as "openstack fleet ..." (the
# OpenStackClient plugin); the standalone "fleet" script takes the same
# arguments.
autoprogram_cliff_application = 'openstack'
autoprogram_cliff_ignored = ['--help', '--format', '--column',
                             '--max-width', '--fit-width', '--print-empty',
                             '--noindent', '--quote', '--sort-column',
                             '--sort-ascending', '--sort-descending',
                             '--prefix']

# -- HTML -------------------------------------------------------------------

if HAVE_OPENSTACKDOCSTHEME:
    html_theme = 'openstackdocs'
    openstackdocs_repo_name = 'openstack/openstack-fleet'
    openstackdocs_bug_project = 'openstack-fleet'
    openstackdocs_bug_tag = 'doc'
    openstackdocs_auto_name = False
else:
    html_theme = 'alabaster'
html_static_path = ['_static']
html_title = 'openstack-fleet documentation'
htmlhelp_basename = 'openstack-fleetdoc'


# -- Local extension --------------------------------------------------------

#: The namespace whose every command the CLI reference must show.
CLI_NAMESPACE = 'openstack.fleet.v1'


def _complete_cli_reference(app):
    """Fail the build when the CLI reference misses a command.

    ``autoprogram-cliff`` itself warns (an error under ``-W``) when its
    pattern matches no command, e.g. a misnamed noun. This adds the other
    half: every command of :data:`CLI_NAMESPACE` must be documented by some
    ``autoprogram-cliff`` directive, so a new command cannot be left out.
    """
    from cliff import sphinxext as cliff_sphinxext

    class RecordingAutoprogramCliff(
            cliff_sphinxext.AutoprogramCliffDirective):

        def _load_commands(self):
            commands = super()._load_commands()
            env = self.state.document.settings.env
            if not hasattr(env, 'fleet_cli_documented'):
                env.fleet_cli_documented = {}
            env.fleet_cli_documented.setdefault(
                self.arguments[0], {}).update(
                    (name, env.docname) for name in commands)
            return commands

    app.add_directive('autoprogram-cliff', RecordingAutoprogramCliff,
                      override=True)
    app.connect('env-purge-doc', _purge_documented)
    app.connect('env-merge-info', _merge_documented)
    app.connect('env-check-consistency', _check_documented)


def _purge_documented(app, env, docname):
    for names in getattr(env, 'fleet_cli_documented', {}).values():
        for name in [n for n, doc in names.items() if doc == docname]:
            del names[name]


def _merge_documented(app, env, docnames, other):
    for namespace, names in getattr(other, 'fleet_cli_documented',
                                    {}).items():
        if not hasattr(env, 'fleet_cli_documented'):
            env.fleet_cli_documented = {}
        env.fleet_cli_documented.setdefault(namespace, {}).update(names)


def _check_documented(app, env):
    from cliff import commandmanager
    from sphinx.util import logging

    documented = getattr(env, 'fleet_cli_documented', {}).get(
        CLI_NAMESPACE, {})
    missing = sorted(set(commandmanager.CommandManager(
        CLI_NAMESPACE).commands) - set(documented))
    for name in missing:
        logging.getLogger(__name__).warning(
            'command "%s" (entry point namespace %s) is not in the CLI '
            'reference: add an autoprogram-cliff directive for it to '
            'doc/source/cli/index.rst', name, CLI_NAMESPACE)


def _rst_rows(rows):
    """A list-table's body lines of ``rows`` (lists of text cells)."""
    out = []
    for row in rows:
        out.append('   * - %s' % (row[0] or ' '))
        out.extend('     - %s' % (cell or ' ') for cell in row[1:])
    return out


def _workbook_reference(app):
    """``.. fleet-workbooks::`` and ``.. fleet-actions::``.

    The workbook and action reference generated from what the package
    ships: every workflow of the workbooks of the ``fleet.workbooks``
    entry points (tags, input with defaults, description), and every
    ``fleet.*`` entry point of ``mistral.actions`` with its class
    docstring. A new workflow or action is documented by being shipped.
    """
    from docutils import nodes
    from docutils.statemachine import StringList
    from sphinx.util import docutils as sphinx_docutils

    def parse(directive, lines):
        node = nodes.section()
        node.document = directive.state.document
        directive.state.nested_parse(
            StringList(lines, source='fleet-reference'), 0, node)
        return node.children

    class Workbooks(sphinx_docutils.SphinxDirective):

        def run(self):
            import yaml

            from fleet import workbooks

            lines = []
            for book in workbooks.all_workbooks():
                doc = yaml.safe_load(book['text'])
                lines += ['``%s`` (%s)' % (book['name'], book['path'].split(
                    '/')[-1]), '', '   ' + book['description'], '',
                    '.. list-table::', '   :header-rows: 1',
                    '   :widths: 22 12 26 40', '']
                rows = [['Workflow', 'Tags', 'Input (default)',
                         'What it does']]
                for short, body in doc['workflows'].items():
                    inputs = []
                    for item in body.get('input') or []:
                        if isinstance(item, dict):
                            (key, value), = item.items()
                            inputs.append('``%s`` (%s)' % (
                                key, 'null' if value is None else value))
                        else:
                            inputs.append('``%s``' % item)
                    rows.append(['``%s.%s``' % (book['name'], short),
                                 ', '.join(body.get('tags') or []),
                                 ', '.join(inputs),
                                 ' '.join(str(body.get('description',
                                                       '')).split())])
                lines += _rst_rows(rows) + ['']
            return parse(self, lines)

    class Actions(sphinx_docutils.SphinxDirective):

        def run(self):
            import inspect

            from stevedore import extension

            mgr = extension.ExtensionManager('mistral.actions',
                                             invoke_on_load=False)
            lines = []
            for ext in sorted(mgr, key=lambda e: e.name):
                if not ext.name.startswith('fleet.'):
                    continue
                doc = inspect.cleandoc(ext.plugin.__doc__ or '')
                lines += ['``%s`` (``%s``)' % (ext.name,
                                               ext.entry_point.value), '']
                lines += ['   ' + line if line else '' for line in
                          doc.splitlines()]
                lines += ['', '   Every fleet action also takes '
                          '``fleet_config`` (null: the executor\'s default '
                          'fleet configuration).', '']
            return parse(self, lines)

    app.add_directive('fleet-workbooks', Workbooks)
    app.add_directive('fleet-actions', Actions)


def setup(app):
    _complete_cli_reference(app)
    _workbook_reference(app)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
