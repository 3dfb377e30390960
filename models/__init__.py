"""SQLModel tables only: no logic, no I/O. Importing this package registers every table."""
from models.conversations import Conversation, Message, Participant
from models.directory import User, UserKind

__all__ = ['Conversation', 'Message', 'Participant', 'User', 'UserKind']
