"""Version of the installed openstack-fleet distribution."""

import pbr.version

version_info = pbr.version.VersionInfo('openstack-fleet')
