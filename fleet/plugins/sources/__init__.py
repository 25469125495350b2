"""Inventory source plugins (namespace ``fleet.inventory_sources``)."""
