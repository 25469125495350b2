"""Executor plugins (namespace ``fleet.executors``)."""
