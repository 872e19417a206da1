"""File adapters: documents users hand in (vendor invoices), read into domain values."""
