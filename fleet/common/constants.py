"""Names shared by the service layer and the CLI (standard library only).

The CLI command modules import this module to build their choices and help
texts; the service layer checks input against the same tuples. Keep it free
of imports beyond the standard library: OpenStackClient imports every
plugin's command modules at start.
"""

#: What a secret value is shown as, everywhere (output, logs, change log).
MASK = '******'
#: :data:`MASK` as the JSON text the change log stores.
MASK_JSON = '"%s"' % MASK

#: Device types an operator or a source may give.
DEVICE_TYPES = ('host', 'chassis', 'blade', 'switch', 'router', 'firewall',
                'loadbalancer', 'pdu', 'ups', 'storage', 'bmc', 'other')

#: Variable scopes, in resolution order from the widest to the narrowest.
SCOPES = ('defaults', 'cloud', 'region', 'cell', 'rack', 'device')

#: Object types the change log records.
CHANGE_OBJECT_TYPES = ('device', 'rack', 'cell', 'region', 'cloud',
                       'defaults', 'policy', 'finding', 'remediation')

#: Device attributes an operator (or a source) sets directly.
PLAIN_FIELDS = ('type', 'role', 'serial', 'asset_tag', 'mgmt_address')

#: Device attributes ``device unset`` clears, with their description.
UNSETTABLE_FIELDS = (('role', 'role'), ('serial', 'serial number'),
                     ('asset_tag', 'asset tag'),
                     ('mgmt_address', 'management address'),
                     ('cell', 'cell (the device stays in its region)'),
                     ('rack', 'rack'),
                     ('parent', 'parent device'))
