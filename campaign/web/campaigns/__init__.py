"""Campaign authoring: write the letter once, pick targets, preview per authority, launch."""
