"""What a query asks for, independent of the engine: filters, dates and limits."""
