"""The floor of alert intake over HTTP: a throwaway minimal WSGI app.

Served by gunicorn with fleet-api's own settings
(:func:`fleet.wsgi.server.gunicorn_options`: the workers, the timeout,
the access log), it reads a post's body, ``json.loads`` it and writes its
alerts with the baseline's ``executemany`` upsert (one transaction, WAL,
``synchronous=NORMAL``) of :mod:`alert_intake`, then answers a small
JSON. No authentication, validation, dedupe logic, middleware or change
log: what HTTP, gunicorn and JSON cost on top of the raw executemany.
:mod:`alert_intake` runs it with ``--floor``::

    python benchmarks/alert_floor.py --port 8123 --db /tmp/floor.sqlite
"""

import argparse
import datetime
import json
import os
import sqlite3
import sys
import types

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))

SCHEMA = (
    'CREATE TABLE IF NOT EXISTS alerts (id INTEGER PRIMARY KEY '
    'AUTOINCREMENT, fingerprint VARCHAR(64) UNIQUE NOT NULL, name '
    'VARCHAR(255), status VARCHAR(16), severity VARCHAR(32), labels TEXT, '
    'annotations TEXT, starts_at DATETIME, first_seen DATETIME, '
    'last_seen DATETIME, received INTEGER)')
UPSERT = (
    'INSERT INTO alerts (fingerprint, name, status, severity, labels, '
    'annotations, starts_at, first_seen, last_seen, received) VALUES '
    '(?, ?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT (fingerprint) DO UPDATE '
    'SET last_seen = excluded.last_seen, received = received + 1')


def connect(path):
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    conn.execute('PRAGMA journal_mode=WAL')
    conn.execute('PRAGMA synchronous=NORMAL')
    return conn


def make_app(path):
    state = {}

    def app(environ, start_response):
        conn = state.get('conn')
        if conn is None:
            conn = state['conn'] = connect(path)
        length = int(environ.get('CONTENT_LENGTH') or 0)
        body = json.loads(environ['wsgi.input'].read(length))
        now = datetime.datetime.utcnow().isoformat(' ')
        rows = [(a['fingerprint'], a['labels']['alertname'], a['status'],
                 a['labels']['severity'], json.dumps(a['labels']),
                 json.dumps(a['annotations']), a['startsAt'], now, now)
                for a in body['alerts']]
        conn.execute('BEGIN IMMEDIATE')
        conn.executemany(UPSERT, rows)
        conn.execute('COMMIT')
        out = json.dumps({'accepted': len(rows), 'rejected': []}).encode()
        start_response('200 OK', [('Content-Type', 'application/json'),
                                  ('Content-Length', str(len(out)))])
        return [out]

    return app


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--db', required=True)
    p.add_argument('--workers', type=int, default=2)
    args = p.parse_args()
    conn = connect(args.db)
    conn.execute(SCHEMA)
    conn.close()

    from gunicorn.app import base

    from fleet.wsgi import server

    # fleet-api's gunicorn settings, from an [api] of the same values.
    conf = types.SimpleNamespace(api=types.SimpleNamespace(
        host='127.0.0.1', port=args.port, workers=args.workers,
        worker_timeout=30))
    options = server.gunicorn_options(conf)
    options['proc_name'] = 'fleet-floor'

    class Floor(base.BaseApplication):
        def load_config(self):
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return make_app(args.db)

    Floor().run()


if __name__ == '__main__':
    main()
