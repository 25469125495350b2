"""A minimal client of the Prometheus HTTP API (``/api/v1/query``).

Standard library only. One function, :func:`query`, runs an instant query
with a timeout on the connection and on the server's evaluation, and turns
every failure into a :class:`QueryError` with one line that names the URL:
the peer not reachable or not answering in time (``transport`` true: no
later query will fare better), or Prometheus answering an error (a bad
query, an overloaded server) or something that is not its API.
"""

import base64
import json
import socket
import urllib.error
import urllib.parse
import urllib.request

#: Longest error text of Prometheus kept in a message.
MAX_ERROR = 160


class QueryError(Exception):
    """A query failed; ``str()`` is one line naming Prometheus' URL.

    :ivar transport: True when Prometheus could not be reached or did not
        answer in time (rather than answering an error).
    """

    def __init__(self, message, transport=False):
        super().__init__(message)
        self.transport = transport


def query(base_url, promql, timeout):
    """Run the instant query ``promql``; return its vector result.

    :param base_url: Prometheus' URL (``http://127.0.0.1:9090``); a
        ``user:password@`` in it is sent as HTTP basic authentication and
        left out of every message.
    :param timeout: seconds for connecting, for each read and (as the
        ``timeout`` parameter) for Prometheus' evaluation of the query.
    :returns: ``[(labels dict, float value)]``; a value Prometheus gives
        as ``NaN`` or ``+Inf`` is returned as such (the readings store
        turns it into ``unknown``).
    :raises QueryError: the query could not be run or failed.
    """
    target, url, headers = _split_credentials(
        base_url.rstrip('/') + '/api/v1/query')
    body = urllib.parse.urlencode(
        {'query': promql,
         'timeout': '%dms' % max(1, int(timeout * 1000))}).encode('ascii')
    headers.update({'Content-Type': 'application/x-www-form-urlencoded',
                    'Accept': 'application/json'})
    request = urllib.request.Request(target, data=body, method='POST',
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        # Prometheus answers 400/422/503 with a JSON error body.
        status, raw = exc.code, _read(exc)
    except (socket.timeout, TimeoutError):
        raise QueryError('Prometheus at %s: no answer within %g s'
                         % (url, timeout), transport=True)
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise QueryError('Prometheus at %s: no answer within %g s'
                             % (url, timeout), transport=True)
        raise QueryError('Prometheus at %s: cannot connect: %s'
                         % (url, _text(reason)), transport=True)
    except (OSError, ValueError) as exc:
        raise QueryError('Prometheus at %s: %s' % (url, _text(exc)),
                         transport=True)
    try:
        doc = json.loads(raw.decode('utf-8'))
    except (UnicodeDecodeError, ValueError):
        raise QueryError('Prometheus at %s answered HTTP %d with no JSON: '
                         'is it Prometheus?' % (url, status))
    if not isinstance(doc, dict) or doc.get('status') != 'success':
        doc = doc if isinstance(doc, dict) else {}
        error = ': '.join(str(doc[k]) for k in ('errorType', 'error')
                          if doc.get(k)) or 'no reason given'
        raise QueryError('Prometheus at %s answered an error (HTTP %d): %s'
                         % (url, status, _clip(error)))
    data = doc.get('data') or {}
    if data.get('resultType') != 'vector':
        raise QueryError('Prometheus at %s answered a %s, not a vector'
                         % (url, data.get('resultType') or 'result'))
    out = []
    for item in data.get('result') or ():
        try:
            labels = dict(item.get('metric') or {})
            value = float(item['value'][1])
        except (AttributeError, KeyError, IndexError, TypeError,
                ValueError):
            continue
        out.append((labels, value))
    return out


def _split_credentials(url):
    """(URL to call, URL to show, headers): user:password@ becomes basic auth.

    The URL in messages and logs never holds the credentials.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, url, {}
    netloc = parts.hostname or ''
    if ':' in netloc:
        netloc = '[%s]' % netloc
    if parts.port:
        netloc += ':%d' % parts.port
    bare = urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    user = urllib.parse.unquote(parts.username or '')
    password = urllib.parse.unquote(parts.password or '')
    token = base64.b64encode(('%s:%s' % (user, password)).encode('utf-8'))
    return bare, bare, {'Authorization': 'Basic ' + token.decode('ascii')}


def _read(exc):
    try:
        return exc.read()
    except OSError:
        return b''


def _text(exc):
    text = str(exc).strip().splitlines()
    return _clip(text[0] if text else type(exc).__name__)


def _clip(text):
    text = ' '.join(str(text).split())
    return text if len(text) <= MAX_ERROR else text[:MAX_ERROR - 3] + '...'
