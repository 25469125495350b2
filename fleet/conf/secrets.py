"""[secrets] options: the key that encrypts secret variables at rest."""

from oslo_config import cfg

group = cfg.OptGroup('secrets', title='Secret variables')

opts = [
    cfg.StrOpt('key_file',
               default='$state_dir/secret.key',
               help='File holding the Fernet keys that encrypt secret '
                    'variables in the database, one key a line, the '
                    'primary (encrypting) key first; older keys only '
                    'decrypt. Keep it outside the database and its backups, '
                    'readable by fleet\'s user only (mode 0600), and the '
                    'same on every host that shares the database. Create '
                    'it with "fleet-manage secret-key create", rotate with '
                    '"fleet-manage secret-key rotate". With the embedded '
                    'SQLite database (no [database] connection) it is '
                    'created on first use.'),
]
