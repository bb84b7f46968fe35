"""Text analysis that needs no search engine: language detection, tokenising, folding and
stemming, compound words, synonyms, spelling variants and snippets."""
