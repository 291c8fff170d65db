"""The ward's bulletins for the public: a listening page, podcast feeds, an embeddable player, QR posters.

Only bulletins that were approved, actually aired and marked public reach
these channels (``visibility``); ``catalog`` reads them, ``feeds`` writes
RSS, ``posters`` prints A4 notices, ``listens`` counts plays without
keeping anything about the listener. No module here imports Flask.
"""
