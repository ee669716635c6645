"""Outgoing mail: composing letters, the transports that send them, and webhook signatures."""
