"""Command line: cliff commands, the ``fleet`` app and the OSC plugin."""
