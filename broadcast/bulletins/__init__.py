"""The bulletin desk: workflow (state machine), validation, queries and recordings.

No Flask here: the web pages, the JSON API and the CLI call these functions,
which check permissions and state, change the bulletin and append an audit row
in the caller's transaction.
"""
