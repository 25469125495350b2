"""Inventory source plugins (stevedore namespace ``fleet.inventory_sources``)."""
