"""How the CLI says service-layer errors: its own flags and commands.

The service layer names fields and hint keys (:mod:`fleet.common.exception`);
this module maps them to this CLI's options and wording.
"""

#: Service-layer fields given through the CLI option of the same name
#: (``asset_tag``: ``--asset-tag``).
OPTION_FIELDS = ('at', 'to', 'since', 'until', 'cloud', 'region', 'cell',
                 'rack', 'parent', 'type', 'scope', 'role', 'serial',
                 'asset_tag', 'mgmt_address', 'description', 'reason',
                 'actor', 'idle_after', 'available_after', 'kind',
                 'matcher', 'expires', 'comment')
#: Service-layer fields given through a CLI option, and that option.
FIELD_FLAGS = dict({f: '--' + f.replace('_', '-') for f in OPTION_FIELDS},
                   path='--file')

#: How the CLI says the service layer's hints (``exception.HINTS``).
HINT_TEXT = {
    'create_cloud': 'Create one: fleet cloud create NAME.',
    'create_region': 'Create one: fleet region create NAME.',
    'list_devices': 'See: fleet device list.',
    'list_changes': 'See: fleet change list.',
    'db_upgrade': 'Run: fleet-manage db upgrade.',
    'create_secret_key': 'Run: fleet-manage secret-key create.',
    'rotate_secret_key': 'Run: fleet-manage secret-key rotate.',
    'keep_secret': 'Give --secret to keep it secret, or --no-secret to '
                   'store it in clear.',
}


def flag(field):
    """The CLI option for a service-layer field; other fields as they are."""
    return FIELD_FLAGS.get(field, field)


def render_error(exc):
    """One line for the operator from a :class:`FleetError`.

    Field names become this CLI's options and hint keys its commands; the
    service layer itself never names either.
    """
    from fleet.common import exception

    text = str(exc)
    field = getattr(exc, 'field', None)
    if isinstance(exc, exception.Invalid) and field:
        text = '%s: %s' % (flag(field), exc.problem)
        if exc.fix:
            fix = exc.fix
            if exc.hint == 'name_parent':
                fix += ' with %s' % flag(field)
            text += '; %s' % fix
    elif isinstance(exc, exception.Ambiguous):
        text = '%s %r exists in more than one place; pass %s to choose.' % (
            exc.kind, exc.name, flag(field))
    hint = HINT_TEXT.get(getattr(exc, 'hint', None))
    if hint:
        if not text.endswith(('.', '!', '?')):
            text += '.'
        text += ' ' + hint
    return text
