"""fleet inside Mistral: its actions (``mistral.actions`` entry points).

Imported only by Mistral's executors, where mistral-lib is installed.
"""
