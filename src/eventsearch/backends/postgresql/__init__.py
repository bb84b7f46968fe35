"""The PostgreSQL backend: notes and our inverted index in a database (backend.py)."""
