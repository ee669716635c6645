"""The Inbox: replies no request claimed, waiting for a person."""
