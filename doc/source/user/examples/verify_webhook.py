"""Verify a fleet webhook delivery (X-Fleet-Signature) before trusting it.

Run as a tiny receiver: ``python3 verify_webhook.py /etc/fleet/hook.secret
8099`` then point ``[notifiers.webhook] url`` at http://127.0.0.1:8099/.
"""

import hashlib
import hmac
import http.server
import json
import sys


def verify(secret, body, signature):
    """True when ``signature`` (the X-Fleet-Signature header) is the
    HMAC-SHA256 of the raw ``body`` bytes under ``secret`` (bytes)."""
    expected = 'sha256=' + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature or '')


def handler(secret, seen):
    """A request handler that keeps each verified event; 401 otherwise.

    ``seen`` keeps delivery ids: a retry of an event already taken is
    acknowledged and skipped.
    """

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers['Content-Length']))
            if not verify(secret, body, self.headers['X-Fleet-Signature']):
                self.send_response(401)
            else:
                delivery = self.headers['X-Fleet-Delivery']
                if delivery not in seen:
                    seen[delivery] = json.loads(body)
                    event = seen[delivery]
                    print(event['event_type'], event['project_id'],
                          flush=True)
                self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    return Handler


if __name__ == '__main__':
    with open(sys.argv[1], 'rb') as f:
        key = f.read().strip()
    http.server.HTTPServer(('127.0.0.1', int(sys.argv[2])),
                           handler(key, {})).serve_forever()
