"""fleet.common.crypto: the key file and the keyring."""

import os
import stat
import threading

import fixtures
import testtools

from fleet.common import crypto
from fleet.common import exception


class TestKeyFile(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.path = os.path.join(self.dir, 'keys', 'secret.key')

    def test_created_private_one_key(self):
        crypto.create_key_file(self.path)
        self.assertEqual(0o600, stat.S_IMODE(os.stat(self.path).st_mode))
        self.assertEqual(1, len(crypto.read_keys(self.path)))

    def test_concurrent_creation_has_one_winner(self):
        results = []

        def create():
            try:
                crypto.create_key_file(self.path)
                results.append('created')
            except exception.SecretKeyError:
                results.append('kept')
        threads = [threading.Thread(target=create) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(['created'] + ['kept'] * 7, sorted(results))
        self.assertEqual([], [n for n in os.listdir(os.path.dirname(
            self.path)) if n != 'secret.key'])

    def test_bad_files_are_clear_errors(self):
        os.makedirs(os.path.dirname(self.path))
        for text, message in (('', 'holds no key'),
                              ('not-a-key\n', 'key 1 is not a Fernet key')):
            with open(self.path, 'w') as f:
                f.write(text)
            os.chmod(self.path, 0o600)
            err = self.assertRaises(exception.SecretKeyError,
                                    crypto.read_keys, self.path)
            self.assertIn(message, str(err))

    def test_keyring_round_trip_and_rotation(self):
        crypto.create_key_file(self.path)
        ring = crypto.Keyring(self.path)
        token = ring.encrypt('"Pl41n-p4ssw0rd"')
        self.assertNotIn('Pl41n-p4ssw0rd', token)
        self.assertEqual('"Pl41n-p4ssw0rd"', ring.decrypt(token))
        new = crypto.generate_key()
        rotated = ring.rotated(new).rotate(token.encode()).decode()
        crypto.write_keys(self.path, [new])
        self.assertEqual('"Pl41n-p4ssw0rd"',
                         crypto.Keyring(self.path).decrypt(rotated))
        err = self.assertRaises(exception.SecretKeyError,
                                crypto.Keyring(self.path).decrypt, token,
                                'vars.pw')
        self.assertIn('cannot decrypt vars.pw', str(err))
        # Plain text is never taken for a secret value.
        self.assertRaises(exception.SecretKeyError,
                          crypto.Keyring(self.path).decrypt, '"pw"')
