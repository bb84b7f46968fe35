"""The Whoosh backend: schema, on-disk storage, index writing and scoring."""
