"""Search engines behind eventsearch.  Today only Whoosh (`backends.whoosh`)."""
