"""The documentation and the release notes build with warnings as errors.

The same builds as ``tox -e docs`` and ``tox -e releasenotes``: a broken
cross-reference, a malformed table or an option help string that is not
valid reStructuredText fails the suite, not only a separate docs job.
"""

import os
import subprocess
import sys
import tempfile

import testtools

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


class TestDocsBuild(testtools.TestCase):

    def build(self, source):
        try:
            import sphinx  # noqa: F401
        except ImportError:
            self.fail('Sphinx is not installed; run tools/bootstrap '
                      '(it installs doc/requirements.txt)')
        out = tempfile.mkdtemp(prefix='fleet-docs-')
        self.addCleanup(subprocess.run, ['rm', '-rf', out])
        proc = subprocess.run(
            [sys.executable, '-m', 'sphinx', '-W', '--keep-going', '-q',
             '-b', 'html', '-d', os.path.join(out, 'doctrees'),
             os.path.join(ROOT, source), os.path.join(out, 'html')],
            capture_output=True, text=True, cwd=ROOT, timeout=600)
        problems = [line for line in proc.stderr.splitlines()
                    if 'WARNING' in line or 'ERROR' in line]
        self.assertEqual((0, []), (proc.returncode, problems),
                         proc.stderr[-3000:])

    def test_docs(self):
        self.build('doc/source')

    def test_release_notes(self):
        self.build('releasenotes/source')


class TestReadmes(testtools.TestCase):
    """The READMEs outside the Sphinx tree (the project's, the
    benchmarks', the workbooks') are valid reStructuredText: GitHub and
    PyPI render them too, and a malformed table shows as raw text."""

    def test_readmes_parse_without_warnings(self):
        import io

        from docutils import core

        for name in ('README.rst', 'benchmarks/README.rst',
                     'workbooks/README.rst'):
            path = os.path.join(ROOT, name)
            with open(path) as f:
                text = f.read()
            problems = io.StringIO()
            core.publish_doctree(text, source_path=name, settings_overrides={
                'report_level': 2, 'halt_level': 5,
                'warning_stream': problems})
            self.assertEqual('', problems.getvalue(), name)
