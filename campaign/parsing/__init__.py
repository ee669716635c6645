"""Reading replies: documents to text with pages, then reference, kind, outcome and exemptions.

Pure logic: nothing here imports Flask or the database, so services, the CLI and tests call it
with plain values. `extract_text` turns a file into text; `analyse_reply` reads a whole reply.
"""

from campaign.parsing.documents import ExtractedText, UnreadableDocument, extract_text, html_to_text
from campaign.parsing.reply import ReplyAnalysis, analyse_reply

__all__ = [
    "ExtractedText",
    "ReplyAnalysis",
    "UnreadableDocument",
    "analyse_reply",
    "extract_text",
    "html_to_text",
]
