"""fleet's modules import each other without a circle.

Read from the source (module-level imports, including those under
``if``/``try``; imports inside functions are deliberate late imports and
do not count), so a circle is reported with its members before any
import order happens to hide it.
"""

import ast
import os

import testtools

ROOT = os.path.join(os.path.dirname(__file__), '..', '..', 'fleet')


def modules():
    """``{dotted module name: path}`` of every module in fleet/."""
    found = {}
    for folder, _dirs, files in os.walk(ROOT):
        for name in files:
            if not name.endswith('.py'):
                continue
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, os.path.dirname(ROOT))[:-3]
            dotted = rel.replace(os.sep, '.')
            if dotted.endswith('.__init__'):
                dotted = dotted[:-len('.__init__')]
            found[dotted] = path
    return found


def module_imports(dotted, path, known):
    """The fleet modules ``dotted`` imports at module level."""
    with open(path) as f:
        tree = ast.parse(f.read())
    package = dotted if path.endswith('__init__.py') else \
        dotted.rsplit('.', 1)[0]
    out = set()
    for top in tree.body:
        if isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef,
                            ast.ClassDef)):
            continue
        for node in ast.walk(top):
            if isinstance(node, ast.Import):
                out.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ''
                if node.level:
                    parts = package.split('.')[:len(
                        package.split('.')) - node.level + 1]
                    base = '.'.join(parts + ([base] if base else []))
                for alias in node.names:
                    full = '%s.%s' % (base, alias.name)
                    out.add(full if full in known else base)
    return {m for m in out if m in known and m != dotted}


def circles(graph):
    """Strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


class TestImportGraph(testtools.TestCase):

    def test_no_import_circle_in_fleet(self):
        known = modules()
        graph = {m: module_imports(m, p, known) for m, p in known.items()}
        self.assertGreater(len(graph), 100)
        self.assertEqual([], circles(graph))

    def test_a_circle_is_found(self):
        # The check itself: a two-module circle and a self-contained one.
        self.assertEqual([['a', 'b']], circles(
            {'a': {'b'}, 'b': {'a', 'c'}, 'c': set()}))
