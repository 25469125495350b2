"""Secret variables encrypted at rest, and the key file they need.

Secret values are stored in ``variables.value`` as Fernet tokens
(AES-128-CBC with HMAC-SHA256, from ``cryptography``) of their JSON text,
with keys kept outside the database in ``[secrets] key_file``, the way
Keystone keeps its credential keys: one key a line, the primary key
(which encrypts) first, older keys after it (which only decrypt), read
through a :class:`cryptography.fernet.MultiFernet`. Rotation
(``fleet-manage secret-key rotate``) puts a new primary key first and
re-encrypts every secret row with it; old keys stay in the file.

Everything that reads a secret value decrypts it through
:meth:`Keyring.decrypt`, and everything that stores one encrypts it
through :meth:`Keyring.encrypt`. A missing or wrong key is a
:class:`~fleet.common.exception.SecretKeyError`, never a fall-back to
plain text.
"""

import os
import stat
import threading

from fleet.common import exception
from fleet.common import files

#: The largest stored (encrypted) value, the same on every backend: the
#: TEXT column of MySQL/MariaDB holds 65,535 bytes.
MAX_STORED = 65535


def _fernet():
    from cryptography import fernet

    return fernet


def generate_key():
    """A new Fernet key (44 URL-safe base64 characters), as text."""
    return _fernet().Fernet.generate_key().decode('ascii')


def read_keys(path):
    """The keys in ``path``, primary first.

    :raises fleet.common.exception.SecretKeyError: the file is missing,
        readable by others, empty or holds something that is not a key.
    """
    if not path:
        raise exception.SecretKeyError(
            'no secret key file configured ([secrets] key_file).',
            hint='create_secret_key')
    try:
        st = os.stat(path)
        with open(path, 'r', encoding='ascii') as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        raise exception.SecretKeyError(
            'no secret key file at %s.' % path, path=path,
            hint='create_secret_key')
    except (OSError, UnicodeDecodeError) as exc:
        raise exception.SecretKeyError(
            'cannot read secret key file %s: %s.' % (
                path, getattr(exc, 'strerror', None) or 'not a key file'),
            path=path)
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise exception.SecretKeyError(
            'secret key file %s is open to other users (mode %04o); '
            'make it private: chmod 600 %s.' % (
                path, stat.S_IMODE(st.st_mode), path), path=path)
    keys = [line.strip() for line in lines
            if line.strip() and not line.lstrip().startswith('#')]
    fernet = _fernet()
    for number, key in enumerate(keys, 1):
        try:
            fernet.Fernet(key)
        except (ValueError, TypeError):
            raise exception.SecretKeyError(
                'secret key file %s: key %d is not a Fernet key.' % (
                    path, number), path=path)
    if not keys:
        raise exception.SecretKeyError(
            'secret key file %s holds no key.' % path, path=path,
            hint='create_secret_key')
    return keys


def write_keys(path, keys, exclusive=False):
    """Write ``keys`` (primary first) to ``path``, mode 0600, atomically.

    :param exclusive: never replace an existing file (FileExistsError).
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, mode=0o700, exist_ok=True)
    files.write_private(path, '# fleet secret keys, primary first; keep '
                              'private (0600), back up apart from the '
                              'database.\n' + ''.join(k + '\n' for k in keys),
                        exclusive=exclusive)


def create_key_file(path):
    """Create ``path`` with one new key; never replace a file.

    Exclusive: of two processes creating it at once, one wins and the
    other gets SecretKeyError (and then reads the winner's key).
    """
    try:
        write_keys(path, [generate_key()], exclusive=True)
    except FileExistsError:
        raise exception.SecretKeyError(
            'secret key file %s exists already; it is kept (rotate it '
            'instead).' % path, path=path, hint='rotate_secret_key')


class Keyring:
    """Encrypts and decrypts secret values with the keys of one key file.

    The file is read on first use, not when the keyring is made: commands
    that touch no secret never need it.

    :param path: the key file (``[secrets] key_file``).
    :param create: create the file on first encryption when it is missing
        (the embedded SQLite default); never when decrypting.
    """

    def __init__(self, path, create=False):
        self.path = path
        self.create = create
        self._multi = None
        self._lock = threading.Lock()

    @classmethod
    def from_conf(cls, conf, embedded=False):
        return cls(conf.secrets.key_file, create=embedded)

    def _keys(self, creating=False):
        with self._lock:
            if self._multi is None:
                if creating and self.create and not os.path.lexists(
                        self.path):
                    try:
                        create_key_file(self.path)
                    except exception.SecretKeyError:
                        pass  # another process created it: use that one
                fernet = _fernet()
                self._multi = fernet.MultiFernet(
                    [fernet.Fernet(k) for k in read_keys(self.path)])
            return self._multi

    def encrypt(self, text, what='secret'):
        """The stored form (a Fernet token, text) of JSON ``text``.

        :param what: the field, for errors (``vars.bmc_password``).
        :raises fleet.common.exception.Invalid: the encrypted value would
            not fit the database on every backend.
        """
        token = self._keys(creating=True).encrypt(
            text.encode('utf-8')).decode('ascii')
        if len(token) > MAX_STORED:
            raise exception.Invalid(
                what, 'secret value too large (%d bytes once encrypted, at '
                'most %d)' % (len(token), MAX_STORED),
                'store a smaller value (about 48 KiB of text at most)')
        return token

    def decrypt(self, token, what='secret'):
        """The JSON text of a stored secret value.

        :raises fleet.common.exception.SecretKeyError: no key decrypts it
            (wrong or missing key file), or it is not encrypted at all.
        """
        multi = self._keys()
        try:
            return multi.decrypt(token.encode('ascii')).decode('utf-8')
        except (_fernet().InvalidToken, UnicodeError, AttributeError):
            raise exception.SecretKeyError(
                'cannot decrypt %s with the keys in %s: the key it was '
                'encrypted with is not there (wrong or replaced key '
                'file?); restore that key.' % (what, self.path),
                path=self.path)

    def rotated(self, new_key):
        """A MultiFernet with ``new_key`` first, then this file's keys."""
        fernet = _fernet()
        return fernet.MultiFernet([fernet.Fernet(k) for k in (
            [new_key] + read_keys(self.path))])
