"""Files that may hold secrets: written private and atomically."""

import os
import tempfile


def write_private(path, data, exclusive=False):
    """Write ``data`` (str or bytes) to ``path``, mode 0600, atomically.

    The data goes to a temporary file in the same directory (created 0600
    by :func:`tempfile.mkstemp`), is flushed and fsynced, and the file is
    renamed over ``path``: a reader sees the old file or the whole new one,
    never a part, and an existing file's looser mode is not kept. The
    directory is fsynced so the rename survives a crash.

    With ``exclusive`` the file is linked into place instead of renamed,
    so it is never replaced: FileExistsError if ``path`` exists (two
    processes creating it at once: one wins, the other sees its file).

    :raises OSError: the directory is missing or not writable.
    """
    path = os.path.abspath(path)
    directory = os.path.dirname(path)
    mode = 'wb' if isinstance(data, bytes) else 'w'
    fd, tmp = tempfile.mkstemp(dir=directory,
                               prefix='.%s.' % os.path.basename(path),
                               suffix='.tmp')
    try:
        with os.fdopen(fd, mode) as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        if exclusive:
            os.link(tmp, path)
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
