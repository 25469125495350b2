"""Collector plugins (namespace ``fleet.collectors``)."""
