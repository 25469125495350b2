"""Plugins: inventory sources (and later collectors, auditors, executors)."""
