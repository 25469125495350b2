"""Output formatters of the fleet commands.

cliff's ``shell`` formatter (``-f shell``) escapes only ``"`` inside
double quotes, so a value holding ``$(...)``, a backtick or a backslash runs
code when the output is ``eval``-ed. :class:`SafeShellFormatter` quotes
every value with :func:`shlex.quote` instead, and refuses a ``--prefix``
that is not a shell name. The fleet ShowOne commands use it in place of
cliff's under the same name (``-f shell``), standalone and under
OpenStackClient.
"""

import re
import shlex

from cliff import columns
from cliff.formatters import shell

NAME_RE = re.compile(r'[A-Za-z_][A-Za-z0-9_]*')


class SafeShellFormatter(shell.ShellFormatter):
    """``name='value'`` lines safe to ``eval`` in a POSIX shell."""

    def emit_one(self, column_names, data, stdout, parsed_args):
        prefix = parsed_args.prefix or ''
        if prefix and not NAME_RE.fullmatch(prefix):
            from osc_lib import exceptions as osc_exc
            raise osc_exc.CommandError(
                '--prefix %r is not a shell variable name; use letters, '
                'digits and _.' % prefix)
        wanted = parsed_args.variables
        for column, value in zip(column_names, data):
            name = re.sub(r'[^A-Za-z0-9_]', '_', column.lower())
            if wanted and name not in wanted:
                continue
            if isinstance(value, columns.FormattableColumn):
                value = value.machine_readable()
            stdout.write('%s%s=%s\n' % (prefix, name,
                                        shlex.quote(str(value))))


def replace_shell(manager):
    """Put :class:`SafeShellFormatter` in place of cliff's in ``manager``.

    :param manager: the stevedore ExtensionManager of a ShowOne command's
        formatters (``cliff.formatter.show``).
    """
    for ext in manager.extensions:
        if ext.name == 'shell' and not isinstance(ext.obj,
                                                  SafeShellFormatter):
            ext.obj = SafeShellFormatter()
            ext.plugin = SafeShellFormatter
    return manager
