"""The pure core of syres: business rules without Django, I/O or clock.

Every function here receives what it needs (dates, terms, records) and returns values; the
Django apps persist and orchestrate, the interfaces read the clock.
"""
