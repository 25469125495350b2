"""Load enabled plugins with stevedore; collect their config options.

Only plugins listed in their ``enabled_*`` option are imported
(NamedExtensionManager); an enabled plugin that fails to load is a clear
error, not a silent skip.
"""

from fleet.common import exception

SOURCES_NAMESPACE = 'fleet.inventory_sources'


def _group(namespace, name):
    return '%s.%s' % (namespace.split('.', 1)[1], name)


def load_source(name, conf, params):
    """Instantiate the inventory source ``name`` with ``params``.

    :raises fleet.common.exception.PluginNotEnabled: not in
        ``[inventory] enabled_sources`` or not installed.
    """
    from stevedore import named

    enabled = conf.inventory.enabled_sources
    if name not in enabled:
        raise exception.PluginNotEnabled(kind='inventory source', name=name,
                                         enabled=', '.join(enabled))
    errors = []

    def on_fail(_manager, entrypoint, exc):
        errors.append('%s: %s' % (entrypoint.name, exc))

    mgr = named.NamedExtensionManager(
        SOURCES_NAMESPACE, names=[name], invoke_on_load=False,
        on_load_failure_callback=on_fail, name_order=True)
    if errors:
        raise exception.FleetError('inventory source failed to load: %s'
                                   % '; '.join(errors))
    if name not in mgr.names():
        raise exception.PluginNotEnabled(kind='inventory source', name=name,
                                         enabled=', '.join(mgr.names()) or
                                         'none installed')
    cls = mgr[name].plugin
    register_plugin_opts(conf, SOURCES_NAMESPACE, name, cls)
    source = cls(conf, params)
    source.name = name
    return source


def register_plugin_opts(conf, namespace, name, cls):
    opts = cls.get_config_opts()
    if opts:
        conf.register_opts(opts, group=_group(namespace, name))


def all_plugin_opts():
    """[(group, opts)] of every installed plugin, for the sample config."""
    from stevedore import extension

    result = []
    for namespace in (SOURCES_NAMESPACE,):
        mgr = extension.ExtensionManager(namespace, invoke_on_load=False)
        for ext in sorted(mgr, key=lambda e: e.name):
            opts = ext.plugin.get_config_opts()
            if opts:
                result.append((_group(namespace, ext.name), opts))
    return result
