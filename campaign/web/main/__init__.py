"""Home and the top-level lists: campaigns, inbox, dashboards."""
