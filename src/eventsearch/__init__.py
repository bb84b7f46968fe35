"""eventsearch: find any talk, speaker or topic in your event notes (English and German)."""

__version__ = "0.1.0"
