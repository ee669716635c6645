"""Follow-ups: chasers, the escalation ladder, internal reviews and regulator complaint drafts."""
