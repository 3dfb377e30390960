"""SQLModel tables only: no logic, no I/O. Importing this package registers every table."""
from models.conversations import (Conversation, ConversationKind, CustomerThread, Delivery, DeliveryState, Message,
                                  Participant)
from models.directory import User, UserKind
from models.items import Item, ItemKind
from models.mail import EmailStatus, InboundEmail, InboundOutcome, OutboundEmail
from models.notifications import Notification, NotificationSettings

__all__ = ['Conversation', 'ConversationKind', 'CustomerThread', 'Delivery', 'DeliveryState', 'EmailStatus',
           'InboundEmail', 'InboundOutcome', 'Item', 'ItemKind', 'Message', 'Notification', 'NotificationSettings',
           'OutboundEmail', 'Participant', 'User', 'UserKind']
