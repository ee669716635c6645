"""Downloads of stored mail: attachments and raw messages, with safe headers."""
