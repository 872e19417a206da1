"""The demo portfolio: synthetic operational data for examples/ and the end-to-end run."""
