"""Answers: the review screen per request, the queue of answers to check, and re-parsing."""
