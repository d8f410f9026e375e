"""Connectors that act on target systems: one interface (`base.Connector`), one module per type."""
