"""Auditor plugins (namespace ``fleet.auditors``)."""
