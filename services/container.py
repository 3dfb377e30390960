"""Wires the services together. main.py builds one Parley per process; tests build their own."""
from dataclasses import dataclass

from services.auth import AuthService
from services.config import Settings
from services.conversations import ConversationService
from services.db import Database
from services.directory import DirectoryService
from services.events import EventBus, LocalEventBus
from services.mail import MailService
from services.presence import Presence


@dataclass
class Parley:
    settings: Settings
    db: Database
    bus: EventBus
    presence: Presence
    directory: DirectoryService
    auth: AuthService
    conversations: ConversationService
    mail: MailService

    def close(self) -> None:
        self.db.dispose()


def build_parley(settings: Settings) -> Parley:
    """Open the database (creating tables) and wire every service to it."""
    db = Database(settings.database_url)
    db.create_all()
    bus = LocalEventBus()
    directory = DirectoryService(db)
    return Parley(settings=settings, db=db, bus=bus, presence=Presence(), directory=directory,
                  auth=AuthService(db, directory), conversations=ConversationService(db, bus),
                  mail=MailService(db, smtp_url=settings.smtp_url, mail_from=settings.mail_from,
                                   team_name=settings.team_name))
