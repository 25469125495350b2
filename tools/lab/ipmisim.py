"""Run-time control of a running ``ipmi_sim``: its console and freezing.

``ipmi_sim`` opens a TCP console when its ``lan.conf`` has a ``console
ADDR PORT`` line (``ipmi_lan(5)``). The console takes the same commands as
the ``-f`` command file (``ipmi_sim_cmd(5)``), e.g. ``sensor_set_value MC
LUN NUM RAW EVENTS``, and answers with a ``> `` prompt; errors are lines
starting with ``**``. It has no authentication: bind it to 127.0.0.1.

A frozen BMC is an ``ipmi_sim`` stopped with SIGSTOP: its UDP socket stays
bound and packets queue up, but nothing ever answers, like a hung BMC
firmware. SIGCONT thaws it (it then answers the queued packets).
"""

import os
import pathlib
import signal
import socket
import time

PROMPT = b'> '


class ConsoleError(Exception):
    """The console refused a command or did not answer in time."""


def console_command(port, line, timeout=5.0, host='127.0.0.1'):
    """Send one command line to an ipmi_sim console; return its output.

    Raises ConsoleError if the console is unreachable, does not prompt
    within ``timeout`` seconds, or reports an error (``**`` lines).
    """
    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            _read_prompt(sock, deadline)
            sock.sendall(line.encode('ascii') + b'\n')
            out = _read_prompt(sock, deadline)
    except OSError as exc:
        raise ConsoleError('ipmi_sim console %s:%d: %s' % (host, port, exc))
    text = out.decode('ascii', 'replace').replace('\r', '')
    lines = [ln for ln in text.split('\n')
             if ln.strip() and ln.strip() != line.strip()]
    errors = [ln for ln in lines if ln.lstrip().startswith('**')]
    if errors:
        raise ConsoleError('ipmi_sim console %s:%d: %r: %s' % (
            host, port, line, ' '.join(errors)))
    return '\n'.join(lines)


def _read_prompt(sock, deadline):
    """Read until the console prompt; drop telnet negotiation bytes."""
    data = b''
    while not _strip_telnet(data).endswith(PROMPT):
        left = deadline - time.monotonic()
        if left <= 0:
            raise ConsoleError('no prompt from the ipmi_sim console')
        sock.settimeout(left)
        chunk = sock.recv(4096)
        if not chunk:
            raise ConsoleError('ipmi_sim console closed the connection')
        data += chunk
    return _strip_telnet(data)[:-len(PROMPT)]


def _strip_telnet(data):
    """Remove telnet IAC sequences (IAC, verb, option) from ``data``."""
    out = bytearray()
    i = 0
    while i < len(data):
        if data[i] == 0xFF:
            i += 3
            continue
        out.append(data[i])
        i += 1
    return bytes(out)


def process_state(pid):
    """One-letter state from /proc (R, S, T = stopped, Z...), or None."""
    try:
        stat = pathlib.Path('/proc/%d/stat' % pid).read_text()
    except OSError:
        return None
    return stat.rsplit(')', 1)[-1].split()[0]


def is_frozen(pid):
    return bool(pid) and process_state(pid) in ('T', 't')


def freeze(pid, timeout=2.0):
    """Stop the process group of ``pid`` (SIGSTOP); wait until stopped."""
    os.killpg(pid, signal.SIGSTOP)
    deadline = time.monotonic() + timeout
    while not is_frozen(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return is_frozen(pid)


def thaw(pid):
    """Continue a frozen process group (SIGCONT)."""
    os.killpg(pid, signal.SIGCONT)
