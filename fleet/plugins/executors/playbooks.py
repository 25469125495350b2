"""Playbooks of the ``ansible`` executor: where they are, what they take.

fleet's own playbooks live in the repository's top-level ``playbooks/``
and are installed as data files under
``<prefix>/share/openstack-fleet/playbooks``, as the workbooks are.

A playbook declares its input as its plays' ``vars`` (their values are
defaults); a play's ``tags`` ``fleet-out`` and ``fleet-return`` say what a
workbook workflow's tags say.
"""

import os
import pathlib
import re
import sys

from fleet.common import exception

#: A playbook's name is a plain file name: no directory, no ``..``.
NAME_RE = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]*$')
SUFFIXES = ('.yml', '.yaml')


def directory():
    """The directory of the shipped playbooks (source tree or install)."""
    here = pathlib.Path(__file__).resolve().parents[3] / 'playbooks'
    if any(here.glob('*.yml')):
        return here
    return pathlib.Path(sys.prefix) / 'share' / 'openstack-fleet' / \
        'playbooks'


def find(name, dirs=()):
    """The path of playbook ``name`` in ``dirs``, then fleet's, or None."""
    if not name or not NAME_RE.match(name):
        return None
    names = [name] if name.endswith(SUFFIXES) else [
        name + suffix for suffix in SUFFIXES]
    for d in [os.path.expanduser(d) for d in dirs] + [str(directory())]:
        for candidate in names:
            path = os.path.join(d, candidate)
            if os.path.isfile(path):
                return path
    return None


def describe(name, dirs=()):
    """The playbook's input (its plays' ``vars``) and ``fleet-*`` tags.

    :returns: ``{'name', 'path', 'description', 'input', 'required',
        'tags'}`` or None when there is no such playbook.
    :raises fleet.common.exception.Invalid: the playbook is not a YAML
        list of plays.
    """
    import yaml

    path = find(name, dirs)
    if path is None:
        return None
    try:
        plays = yaml.safe_load(pathlib.Path(path).read_text())
    except yaml.YAMLError as exc:
        raise exception.Invalid(
            'workflow', 'playbook %s is not YAML: %s' % (
                path, str(exc).splitlines()[0]), value=name)
    if not isinstance(plays, list) or not all(
            isinstance(p, dict) for p in plays):
        raise exception.Invalid(
            'workflow', 'playbook %s is not a list of plays' % path,
            value=name)
    inputs, tags = ['host', 'reason'], []
    for play in plays:
        for key in play.get('vars') or {}:
            if key not in inputs:
                inputs.append(key)
        play_tags = play.get('tags') or []
        for tag in [play_tags] if isinstance(play_tags, str) else play_tags:
            if str(tag).startswith('fleet-') and tag not in tags:
                tags.append(tag)
    return {'name': name, 'path': path, 'input': inputs,
            'required': ['host'], 'tags': tags,
            'description': str(plays[0].get('name') or '') if plays
            else ''}
