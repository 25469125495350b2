"""Notifiers and servers the notification tests use."""

import hashlib
import hmac
import http.server
import json
import threading

from fleet.common import exception
from fleet.plugins.notifiers import base


class Recording(base.Notifier):
    """Keeps every event; optionally fails the first ``fail`` attempts
    (SourceUnavailable), or refuses every event (``refuse``), or waits on
    ``gate`` before taking one."""

    def __init__(self, options=None, library_conf=None, fail=0,
                 refuse=False, gate=None):
        super().__init__(options, library_conf=library_conf)
        self.events = []
        self.attempts = 0
        self.fail = fail
        self.refuse = refuse
        self.gate = gate

    def notify(self, event_type, payload):
        self.attempts += 1
        if self.gate is not None:
            self.gate.wait()
        if self.refuse:
            raise ValueError('no thanks')
        if self.attempts <= self.fail:
            raise exception.SourceUnavailable(
                kind='Notifier', source='recording', service='nowhere',
                reason='down')
        self.events.append((event_type, payload))


class Receiver(http.server.ThreadingHTTPServer):
    """A local webhook receiver verifying fleet's signature.

    ``answers`` is a list of status codes to give, in order (then 200).
    Each request is kept as ``(headers, body, signature_ok)``.
    """

    daemon_threads = True

    def __init__(self, secret, answers=()):
        self.secret = secret
        self.answers = list(answers)
        self.requests = []
        self.lock = threading.Lock()
        super().__init__(('127.0.0.1', 0), _Handler)
        self.thread = threading.Thread(target=self.serve_forever,
                                       daemon=True)
        self.thread.start()

    @property
    def url(self):
        return 'http://127.0.0.1:%d/hook' % self.server_address[1]

    def close(self):
        self.shutdown()
        self.server_close()

    def bodies(self):
        with self.lock:
            return [json.loads(body) for _h, body, _ok in self.requests]


class _Handler(http.server.BaseHTTPRequestHandler):

    def do_POST(self):
        server = self.server
        body = self.rfile.read(int(self.headers['Content-Length']))
        expected = 'sha256=' + hmac.new(server.secret, body,
                                        hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(
            expected, self.headers.get('X-Fleet-Signature', ''))
        with server.lock:
            server.requests.append((dict(self.headers), body, ok))
            code = server.answers.pop(0) if server.answers else 200
        self.send_response(code if ok else 401)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def log_message(self, *args):
        pass
