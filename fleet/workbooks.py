"""fleet's shipped Mistral workbooks: where they are and what they hold.

The YAML files live in the repository's top-level ``workbooks/`` and are
installed as data files under ``<prefix>/share/openstack-fleet/workbooks``.
:func:`shipped` is the ``fleet.workbooks`` entry point (in the spirit of
mistral-extra's ``mistral.preinstalled_workflows``): other packages can
ship workbooks the same way, and ``fleet workbook list|sync`` sees them.

A workflow's tags tell remediation about its effect on production:
``fleet-out`` leaves the device out after success (it keeps its blast-
radius slot), ``fleet-return`` returns it (every slot of the device is
released).
"""

import copy
import os
import pathlib
import sys

import yaml

from fleet.common import exception

LEAVES_OUT = 'fleet-out'
RETURNS = 'fleet-return'


def directory():
    """The directory of the shipped workbooks (source tree or install)."""
    here = pathlib.Path(__file__).resolve().parent.parent / 'workbooks'
    if any(here.glob('*.yaml')):
        return here
    return pathlib.Path(sys.prefix) / 'share' / 'openstack-fleet' / \
        'workbooks'


def shipped():
    """Paths of fleet's own workbooks (the ``fleet.workbooks`` hook)."""
    return sorted(str(p) for p in directory().glob('*.yaml'))


def _entry_point_files():
    from stevedore import extension

    files = []
    mgr = extension.ExtensionManager('fleet.workbooks', invoke_on_load=False)
    for ext in mgr:
        files.extend(ext.plugin())
    return sorted(set(files)) or shipped()


#: Parsed workbooks by path: ``(mtime_ns, size, info)``. A resolver or a
#: reaction plans with the workbooks on every decision; parsing them again
#: each time cost 120 ms of a 190 ms resolve (PyYAML in pure Python).
_PARSED = {}
_LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)


def load(path):
    """``{'name', 'path', 'text', 'workflows': {full name: info}}``.

    Parsed once per version of the file (its modification time and size);
    each call returns a copy of its own.

    :raises fleet.common.exception.InvalidInput: not a v2 workbook.
    """
    st = os.stat(path)
    cached = _PARSED.get(str(path))
    if cached is not None and cached[:2] == (st.st_mtime_ns, st.st_size):
        return copy.deepcopy(cached[2])
    info = _parse(path)
    _PARSED[str(path)] = (st.st_mtime_ns, st.st_size, info)
    return copy.deepcopy(info)


def _parse(path):
    text = pathlib.Path(path).read_text()
    try:
        doc = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise exception.InvalidInput(path, 'not YAML: %s' % exc)
    if not isinstance(doc, dict) or str(doc.get('version')) != '2.0' or \
            not doc.get('name') or not isinstance(doc.get('workflows'),
                                                  dict):
        raise exception.InvalidInput(
            path, 'not a Mistral v2 workbook (version 2.0, name, workflows)')
    flows = {}
    for short, body in doc['workflows'].items():
        body = body or {}
        inputs = []
        for item in body.get('input') or []:
            inputs.append(next(iter(item)) if isinstance(item, dict)
                          else item)
        flows['%s.%s' % (doc['name'], short)] = {
            'name': '%s.%s' % (doc['name'], short),
            'description': ' '.join(str(body.get('description', '')).split()),
            'input': inputs, 'tags': list(body.get('tags') or []),
            'required': [i for i in body.get('input') or []
                         if not isinstance(i, dict)]}
    return {'name': doc['name'], 'path': str(path), 'text': text,
            'description': ' '.join(str(doc.get('description', '')).split()),
            'workflows': flows}


def all_workbooks(extra_dirs=()):
    """Every workbook: entry points, then ``extra_dirs`` (operators')."""
    files = _entry_point_files()
    for d in extra_dirs:
        files.extend(sorted(str(p) for p in pathlib.Path(
            os.path.expanduser(d)).glob('*.yaml')))
    return [load(f) for f in files]


def workflow(name, extra_dirs=()):
    """The workflow ``name`` (``workbook.workflow``) of a known workbook.

    :returns: its info dict, or None when no known workbook has it (an
        operator's workbook pushed to Mistral by other means).
    """
    for book in all_workbooks(extra_dirs):
        if name in book['workflows']:
            return book['workflows'][name]
    return None
