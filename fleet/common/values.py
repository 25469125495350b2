"""How a variable value typed as text becomes a JSON value (stdlib only).

One rule for every place an operator types a value as text: ``fleet var set
KEY=VALUE`` and the ``var:``/``secret:`` cells of a CSV asset file.

* Text that starts with ``{``, ``[`` or ``"`` is JSON and must parse: an
  object, a list or a quoted string. A malformed one is an error, never
  silently kept as a string.
* ``true``, ``false`` and ``null`` are JSON's boolean and null.
* A number is a number only when its JSON text is exactly what was typed:
  ``8``, ``-3``, ``2.5``. Anything that would lose its text stays a string:
  ``6.10`` (not 6.1), ``007``, ``1e3``, ``+1``, ``0x1f``, `` 8``.
* Everything else is a string, as typed (``pool.ntp.org``, ``6.1.0``, an
  empty value).

To store text that starts with ``{``, ``[`` or ``"`` as a string, give it
as a JSON string: ``'"[not a list"'``.
"""

import json
import math

#: First characters that make a value JSON that must parse.
JSON_STARTS = ('{', '[', '"')
_WORDS = {'true': True, 'false': False, 'null': None}


class MalformedJSON(ValueError):
    """Text that looks like JSON does not parse; ``str()`` says where."""


def from_text(text):
    """The JSON value that ``text`` stands for (see the module rule).

    :raises MalformedJSON: ``text`` starts like JSON but does not parse.
    """
    if text.lstrip().startswith(JSON_STARTS):
        try:
            return json.loads(text)
        except ValueError as exc:
            raise MalformedJSON('looks like JSON but does not parse (%s)'
                                % getattr(exc, 'msg', exc)) from None
    if text in _WORDS:
        return _WORDS[text]
    if text[:1] in '-0123456789':
        try:
            number = json.loads(text)
        except ValueError:
            return text
        if (isinstance(number, (int, float)) and math.isfinite(number) and
                json.dumps(number) == text):
            return number
    return text
