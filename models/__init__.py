"""SQLModel tables only: no logic, no I/O. Importing this package registers every table."""
from models.conversations import Conversation, Message, Participant
from models.directory import User, UserKind
from models.mail import EmailStatus, OutboundEmail

__all__ = ['Conversation', 'EmailStatus', 'Message', 'OutboundEmail', 'Participant', 'User', 'UserKind']
