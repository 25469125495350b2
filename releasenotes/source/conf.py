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

"""Sphinx configuration of the openstack-fleet release notes (reno).

Build with ``tox -e releasenotes``. Notes live in ``releasenotes/notes``;
create one with ``reno new <slug>``.
"""

import importlib.util

extensions = ['reno.sphinxext']

HAVE_OPENSTACKDOCSTHEME = (
    importlib.util.find_spec('openstackdocstheme') is not None)
if HAVE_OPENSTACKDOCSTHEME:
    extensions.append('openstackdocstheme')

project = 'openstack-fleet Release Notes'
copyright = '2026, openstack-fleet developers'
author = 'openstack-fleet developers'

source_suffix = '.rst'
master_doc = 'index'
exclude_patterns = []
pygments_style = 'native'

# Release notes are versionless.
version = ''
release = ''

if HAVE_OPENSTACKDOCSTHEME:
    html_theme = 'openstackdocs'
    openstackdocs_repo_name = 'openstack/openstack-fleet'
    openstackdocs_bug_project = 'openstack-fleet'
    openstackdocs_bug_tag = 'releasenotes'
    openstackdocs_auto_name = False
else:
    html_theme = 'alabaster'
html_static_path = ['_static']
templates_path = ['_templates']
htmlhelp_basename = 'openstack-fleetReleaseNotesdoc'

locale_dirs = ['locale/']
