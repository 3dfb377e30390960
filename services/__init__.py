"""Every rule and every write. No nicegui, no ui: the layer rule is checked by tests/test_layers.py."""
