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

def _tolerant_autoprogram(app):
    """Make ``autoprogram-cliff`` say "not registered" instead of failing.

    cliff raises a warning (an error under -W) when a namespace or pattern
    matches no command. The CLI is written alongside these docs, so a
    missing noun becomes a visible note in the page instead of a broken
    build. Every other error still fails the build.
    """
    from cliff import sphinxext as cliff_sphinxext
    from docutils import nodes
    from docutils.parsers.rst import DirectiveError
    from sphinx.util import logging

    log = logging.getLogger(__name__)

    class TolerantAutoprogramCliff(
            cliff_sphinxext.AutoprogramCliffDirective):

        def run(self):
            try:
                return super().run()
            except DirectiveError as exc:
                if exc.level > 2 or 'No commands found' not in exc.msg:
                    raise
                pattern = self.options.get('command') or self.arguments[0]
                log.info('autoprogram-cliff: nothing registered for %s',
                         pattern)
                text = ('No command matching "%s" is registered in the '
                        'installed package.' % pattern)
                return [nodes.note('', nodes.paragraph(text=text))]

    app.add_directive('autoprogram-cliff', TolerantAutoprogramCliff,
                      override=True)


def setup(app):
    _tolerant_autoprogram(app)
