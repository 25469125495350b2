"""Notifier plugins (namespace ``fleet.notifiers``)."""
