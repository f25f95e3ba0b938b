"""Pure-Python text analysis: no Django import anywhere in this package."""
