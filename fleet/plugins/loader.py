"""Load enabled plugins of every kind with stevedore; collect their options.

One table, :data:`KINDS`, says for each plugin kind its entry-point
namespace, the option that lists the enabled plugins and the base class
they implement (as ironic's driver factory does for hardware interfaces).
Only enabled plugins are imported (NamedExtensionManager); an enabled
plugin that is not installed or fails to import is a
:class:`~fleet.common.exception.PluginLoadError`, never a silent skip.

Each plugin declares its options (``get_config_opts()``); they are
registered under ``[<kind>.<name>]`` (``[inventory_sources.ironic]``,
``[collectors.ipmi]``) and that group is handed to the plugin, as watcher's
loader does. :func:`all_plugin_opts` lists the options of every installed
plugin of every kind for the sample configuration and the docs.
"""

import collections

from fleet.common import exception

Kind = collections.namedtuple(
    'Kind', 'key label namespace group option base')
Kind.__doc__ = """A plugin kind.

:ivar key: the kind's key, also the prefix of its plugins' option groups.
:ivar label: what messages call one plugin of the kind.
:ivar namespace: the stevedore entry-point namespace.
:ivar group: the option group of the enabled list.
:ivar option: the option listing the enabled plugins.
:ivar base: ``module:Class`` every plugin must subclass.
"""


def _declare(key, label, group, short=None):
    """A :class:`Kind` laid out by the conventions of every kind.

    Its plugins are found in the namespace ``fleet.<key>``, enabled by
    ``enabled_<short>`` and subclass ``fleet.plugins.<short>.base:<Label>``
    (``short``: the key unless given).
    """
    short = short or key
    return Kind(key, label, 'fleet.' + key, group, 'enabled_' + short,
                'fleet.plugins.%s.base:%s' % (
                    short, label.title().replace(' ', '')))


#: Every plugin kind fleet loads, by key.
KINDS = collections.OrderedDict((k.key, k) for k in (
    _declare('inventory_sources', 'inventory source', 'inventory', 'sources'),
    _declare('collectors', 'collector', 'collectors'),
    _declare('auditors', 'auditor', 'audit'),
    _declare('executors', 'executor', 'remediation'),
    _declare('notifiers', 'notifier', 'notifications'),
))

#: Kept for callers of the first loader.
SOURCES_NAMESPACE = KINDS['inventory_sources'].namespace


def option_name(kind):
    """``[group] option`` of the kind's enabled list, for messages."""
    kind = _kind(kind)
    return '[%s] %s' % (kind.group, kind.option)


def group_name(kind, name):
    """The option group of plugin ``name`` of ``kind``: ``<kind>.<name>``."""
    return '%s.%s' % (_kind(kind).key, name)


def enabled_names(kind, conf):
    """The names listed in the kind's enabled option."""
    kind = _kind(kind)
    return list(conf[kind.group][kind.option])


def base_class(kind):
    """The class every plugin of ``kind`` subclasses (imported on use)."""
    import importlib

    module, _sep, attr = _kind(kind).base.partition(':')
    return getattr(importlib.import_module(module), attr)


def load(kind, name, conf, manager=None, **kwargs):
    """Instantiate plugin ``name`` of ``kind``, handing it its options.

    The plugin is constructed as ``cls(options, **kwargs)`` where
    ``options`` is its own group ``conf['<kind>.<name>']`` (None when it
    declares no option).

    :param kind: a key of :data:`KINDS` (``collectors`` ...).
    :param conf: the oslo.config ConfigOpts.
    :param manager: a stevedore manager to pick from instead of scanning
        entry points (tests: ``NamedExtensionManager.make_test_instance``).
    :raises fleet.common.exception.PluginNotEnabled: ``name`` is not in
        the kind's enabled list.
    :raises fleet.common.exception.PluginLoadError: enabled but not
        installed, failed to import, not a subclass of the kind's base, or
        its constructor failed.
    """
    kind = _kind(kind)
    enabled = enabled_names(kind, conf)
    if name not in enabled:
        raise exception.PluginNotEnabled(
            kind=kind.label, name=name, enabled=', '.join(enabled) or 'none',
            option=option_name(kind))
    cls = plugin_classes(kind, [name], manager=manager)[name]
    return _instantiate(kind, name, cls, conf, kwargs)


def load_enabled(kind, conf, manager=None, **kwargs):
    """Instantiate every enabled plugin of ``kind``, in the listed order.

    :returns: ``{name: plugin}`` (ordered as the enabled option).
    :raises fleet.common.exception.PluginLoadError: as :func:`load`.
    """
    kind = _kind(kind)
    names = enabled_names(kind, conf)
    classes = plugin_classes(kind, names, manager=manager)
    return collections.OrderedDict(
        (name, _instantiate(kind, name, classes[name], conf, kwargs))
        for name in names)


def load_source(name, conf, params):
    """Instantiate the inventory source ``name`` with ``params``.

    :raises fleet.common.exception.PluginNotEnabled: not in
        ``[inventory] enabled_sources``.
    :raises fleet.common.exception.PluginLoadError: enabled but not
        loadable.
    """
    return load('inventory_sources', name, conf, params=params)


def plugin_classes(kind, names, manager=None):
    """``{name: class}`` for ``names`` of ``kind``; only they are imported.

    :raises fleet.common.exception.PluginLoadError: a name is not
        installed, fails to import or is not a subclass of the kind's base.
    """
    kind = _kind(kind)
    failures = collections.OrderedDict()
    if manager is None:
        from stevedore import named

        def on_missing(missing):
            for missing_name in sorted(missing):
                # A name that failed to import is "missing" too: keep why.
                failures.setdefault(
                    missing_name, 'no %s entry point of that name is '
                    'installed' % kind.namespace)

        def on_load_failure(_manager, entrypoint, exc):
            failures[entrypoint.name] = _one_line(exc)

        manager = named.NamedExtensionManager(
            kind.namespace, names=list(names), invoke_on_load=False,
            name_order=True, on_load_failure_callback=on_load_failure,
            on_missing_entrypoints_callback=on_missing)
    found = {ext.name: ext.plugin for ext in manager}
    base = base_class(kind)
    for name in names:
        if name in failures:
            continue
        cls = found.get(name)
        if cls is None:
            failures[name] = ('no %s entry point of that name is installed'
                              % kind.namespace)
        elif not (isinstance(cls, type) and issubclass(cls, base)):
            failures[name] = '%r is not a subclass of %s' % (cls, kind.base)
    if failures:
        name, reason = next(iter(failures.items()))
        raise exception.PluginLoadError(kind.label, name, reason)
    return {name: found[name] for name in names}


def register_plugin_opts(conf, kind, name, cls):
    """Register ``cls``'s options under ``[<kind>.<name>]``.

    :returns: the group's name, or None when the plugin has no option.
    """
    opts = cls.get_config_opts()
    if not opts:
        return None
    group = group_name(kind, name)
    conf.register_opts(opts, group=group)
    return group


def all_plugin_opts(managers=None):
    """``[(group, opts)]`` of every installed plugin of every kind.

    Used by the sample configuration (``oslo-config-generator``) and the
    configuration reference, so every plugin's options reach both. This
    imports every installed plugin, enabled or not.

    :param managers: ``{kind key: stevedore manager}`` to use instead of
        scanning entry points (tests).
    :raises fleet.common.exception.PluginLoadError: an installed plugin
        cannot be imported (the sample would silently lack its options).
    """
    result = []
    for kind in KINDS.values():
        mgr = (managers or {}).get(kind.key)
        if mgr is None:
            mgr = _all_extensions(kind)
        for ext in sorted(mgr, key=lambda e: e.name):
            opts = ext.plugin.get_config_opts()
            if opts:
                result.append((group_name(kind, ext.name), opts))
    return result


def _all_extensions(kind):
    from stevedore import extension

    def on_load_failure(_manager, entrypoint, exc):
        raise exception.PluginLoadError(kind.label, entrypoint.name,
                                        _one_line(exc))

    return extension.ExtensionManager(
        kind.namespace, invoke_on_load=False,
        on_load_failure_callback=on_load_failure)


def _instantiate(kind, name, cls, conf, kwargs):
    group = register_plugin_opts(conf, kind, name, cls)
    options = conf[group] if group else None
    try:
        plugin = cls(options, **kwargs)
    except exception.FleetError:
        raise
    except Exception as exc:  # noqa: BLE001 - any constructor failure
        raise exception.PluginLoadError(kind.label, name, _one_line(exc))
    plugin.name = name
    return plugin


def _kind(kind):
    if isinstance(kind, Kind):
        return kind
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError('unknown plugin kind %r; known: %s'
                         % (kind, ', '.join(KINDS)))


def _one_line(exc):
    lines = str(exc).strip().splitlines()
    return '%s: %s' % (type(exc).__name__, lines[0]) if lines else \
        type(exc).__name__
