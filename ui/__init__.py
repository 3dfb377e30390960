"""NiceGUI pages and components. They call services and subscribe to events; no database here."""
from services.container import Parley


def register(parley: Parley) -> None:
    """Define every page for this Parley (called by main.py, never at import time)."""
    from ui import auth_pages, messenger
    auth_pages.register(parley)
    messenger.register(parley)
