"""SQLModel tables only: no logic, no I/O. Importing this package registers every table."""
from models.conversations import (Attachment, Conversation, ConversationKind, ConversationStatus, CustomerThread,
                                  Delivery, DeliveryState, Message, MessageVersion, MessageVia, Participant,
                                  SavedReply, ThreadEvent)
from models.directory import AuditAction, AuditEntry, User, UserKind
from models.items import Item, ItemKind, ItemStatus, Priority
from models.mail import EmailStatus, InboundEmail, InboundOutcome, InboundSource, OutboundEmail
from models.notifications import Channel, Notification, NotificationKind, NotificationSettings

__all__ = ['Attachment', 'AuditAction', 'AuditEntry', 'Channel', 'Conversation', 'ConversationKind',
           'ConversationStatus', 'CustomerThread', 'Delivery', 'DeliveryState', 'EmailStatus', 'InboundEmail',
           'InboundOutcome', 'InboundSource', 'Item', 'ItemKind', 'ItemStatus', 'Message', 'MessageVersion',
           'MessageVia', 'Notification', 'NotificationKind', 'NotificationSettings', 'OutboundEmail', 'Participant',
           'Priority', 'SavedReply', 'ThreadEvent', 'User', 'UserKind']
