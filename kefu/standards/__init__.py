"""The service manuals as code. Pure Python: nothing here imports Django."""
